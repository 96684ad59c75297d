"""The interactive API documentation, served with assets of the app's own: no CDN.

FastAPI's pages load Swagger UI and Redoc from a CDN, which leaves them blank on a
network that blocks it. These are the same pages with the vendored copies
(``scripts/vendor_assets.py``), the validator badge and web fonts turned off, so
that they load nothing from elsewhere.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs/assets"
ASSETS_FOLDER = Path(__file__).resolve().parent / "static"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc from the vendored assets; the app is made with both URLs None."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_FOLDER), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        """Swagger UI: try the API in the browser."""
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} – API documentation",
            oauth2_redirect_url=OAUTH2_REDIRECT_PATH,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/swagger-ui/favicon-32x32.png",
            # The validator badge would ask a public validator about the document.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(OAUTH2_REDIRECT_PATH, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        """Where an OAuth2 sign-in in Swagger UI returns to."""
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        """Redoc: the API reference as one page."""
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} – API reference",
            redoc_js_url=f"{ASSETS_PATH}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
