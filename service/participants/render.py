"""Rendering participants' pages with the console's layout, components and assets."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape

from service.console.auth import CSRF_FIELD
from service.console.render import STATIC_PREFIX

environment = Environment(
    loader=ChoiceLoader(
        [
            PackageLoader("service.participants", "templates"),
            PackageLoader("service.console", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    ),
    autoescape=select_autoescape(["html"]),
)
environment.globals.update(
    static=lambda path: STATIC_PREFIX + path, navigation=(), csrf_field=CSRF_FIELD
)


# A signed-in participant's navigation: (key, text, address).
NAVIGATION = (
    ("profile", "Your profile", "/my"),
    ("pairings", "Your pairings", "/my/pairings"),
    ("availability", "Availability", "/my/availability"),
)


def navigation(current: str) -> list[dict[str, object]]:
    """The header's items for a signed-in participant, ``current`` marked."""
    return [
        {"text": text, "href": href, "current": key == current} for key, text, href in NAVIGATION
    ]


def page(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A whole participant page."""
    html = environment.get_template(template).render(
        request=request,
        signed_in=None,
        csrf_token=context.pop("csrf_token", ""),
        cspNonce=getattr(request.state, "csp_nonce", ""),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
