"""Rendering pages: the Jinja environment with the GOV.UK Frontend macros, redirects, flashes.

Every page extends ``layout.html``. A handler renders a page with ``page()`` and
answers a successful POST with ``redirect()`` (POST-redirect-GET), whose flash
message the next page shows once in a success banner. The flash travels in a
cookie signed with the session's secret, so nobody else can put words there.
"""

import base64
import binascii
import hmac
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape

from service.console.auth import COOKIE_PATH, CSRF_FIELD
from service.console.sessions import SignedIn

STATIC_PREFIX = "/console/static/"
FLASH_COOKIE = "mentormatch_flash"
FLASH_PURPOSE = "flash"
MAX_FLASH_LENGTH = 500

environment = Environment(
    loader=ChoiceLoader(
        [
            PackageLoader("service.console", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    ),
    autoescape=select_autoescape(["html"]),
)
# The header's navigation, in the order coordinators work: (section, text, address).
# A new page adds its entry here and passes its key as ``nav`` to ``page()``.
NAVIGATION = (
    ("dashboard", "Dashboard", "/console"),
    ("mentees", "Mentees", "/console/mentees"),
    ("mentors", "Mentors", "/console/mentors"),
    ("match-runs", "Match runs", "/console/match-runs"),
    ("pairings", "Pairings", "/console/pairings"),
    ("exclusions", "Exclusions", "/console/exclusions"),
    ("taxonomy", "Taxonomy", "/console/taxonomy"),
)

environment.globals.update(
    static=lambda path: STATIC_PREFIX + path, navigation=NAVIGATION, csrf_field=CSRF_FIELD
)
environment.filters["percent"] = lambda share: f"{share:.0%}"


def _encode_flash(signed_in: SignedIn, message: str) -> str:
    text = message[:MAX_FLASH_LENGTH]
    # Without base64's padding, the value needs no quoting in a cookie.
    encoded = base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")
    return f"{encoded}.{signed_in.sign(FLASH_PURPOSE, text)}"


def _decode_flash(signed_in: SignedIn | None, cookie: str | None) -> str | None:
    if signed_in is None or not cookie or "." not in cookie:
        return None
    encoded, signature = cookie.rsplit(".", 1)
    try:
        padded = encoded + "=" * (-len(encoded) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (ValueError, binascii.Error):
        return None
    if not hmac.compare_digest(signature, signed_in.sign(FLASH_PURPOSE, text)):
        return None
    return text


def render_html(request: Request, template: str, **context: Any) -> str:
    """A template rendered with what every page needs: the request, nonce and CSRF token."""
    signed_in: SignedIn | None = context.pop("signed_in", None)
    return environment.get_template(template).render(
        request=request,
        signed_in=signed_in,
        csrf_token=signed_in.csrf_token if signed_in else "",
        cspNonce=getattr(request.state, "csp_nonce", ""),
        **context,
    )


def page(
    request: Request,
    template: str,
    *,
    signed_in: SignedIn | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A whole page, showing (and then forgetting) the flash message a redirect left."""
    flash_cookie = request.cookies.get(FLASH_COOKIE)
    html = render_html(
        request,
        template,
        signed_in=signed_in,
        flash=_decode_flash(signed_in, flash_cookie),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if flash_cookie is not None:
        response.delete_cookie(FLASH_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")
    return response


def fragment(request: Request, template: str, **context: Any) -> HTMLResponse:
    """Part of a page, for htmx to swap in; the flash waits for the next whole page."""
    return HTMLResponse(render_html(request, template, **context))


def redirect(
    url: str, *, request: Request, signed_in: SignedIn | None = None, flash: str | None = None
) -> RedirectResponse:
    """See other: the browser GETs ``url``, which shows ``flash`` once."""
    response = RedirectResponse(url, status_code=303)
    if flash and signed_in is not None:
        response.set_cookie(
            FLASH_COOKIE,
            _encode_flash(signed_in, flash),
            path=COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response
