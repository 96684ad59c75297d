"""The coordinator console: server-rendered pages on the same rules as the API.

Pages are built from GOV.UK Frontend components (the ``govuk-frontend-jinja``
macros and the compiled assets vendored under ``static/`` by
``scripts/vendor_assets.py``), work without JavaScript, and call the same
``crud`` functions as the API: the console has no rules of its own.

    pages/        one router per part of the programme, collected in console_router
    auth.py       the session cookie, SignedInDep for pages, PostedFormDep for forms (CSRF)
    sessions.py   console sessions in the database (sign in, expiry, sign out)
    render.py     the Jinja environment, page(), fragment(), redirect() with a flash
    forms.py      parse() with the API's models, undo_on_error(), FormErrors for the macros
    pagination.py Pages: SQL offsets and govukPagination's options
    error_pages.py  HTML errors for console addresses
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from service.console.auth import HOME
from service.console.error_pages import install_error_pages
from service.console.pages import console_router

STATIC_FOLDER = Path(__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    """Serve the console under /console, and send visitors of the site's root there."""
    app.mount("/console/static", StaticFiles(directory=STATIC_FOLDER), name="console-static")
    app.include_router(console_router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        """The console is the site's front page."""
        return RedirectResponse(HOME, status_code=303)

    install_error_pages(app)


__all__ = ["install"]
