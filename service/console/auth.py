"""Who is using the console: the session cookie, the sign-in redirect, and forms' CSRF check.

A page depends on ``SignedInDep`` (the coordinator, or a redirect to the sign-in
page); a state-changing form handler depends on ``PostedFormDep`` instead, which
also checks that the form carries this session's CSRF token and did not come from
another site. Nothing is changed before both checks pass.
"""

import hmac
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote, urlencode, urlsplit

from fastapi import Depends, Request, Response
from starlette.datastructures import UploadFile

from service.api.deps import NUL, SessionDep, SettingsDep
from service.console import sessions
from service.console.sessions import SignedIn
from service.crud import audit
from service.db import READ_METHODS, begin_write
from service.errors import FieldError, InvalidInput
from service.models import Role, utcnow

COOKIE_NAME = "mentormatch_console"
COOKIE_PATH = "/console"
HOME = "/console"
SIGN_IN = "/console/sign-in"
CSRF_FIELD = "csrf_token"
# Browsers say where a request came from; a form posted from another site is refused.
_FOREIGN_SITES = frozenset({"cross-site", "same-site"})


class SignInRequired(Exception):
    """No live session: the browser is sent to sign in, then back to ``next_path``."""

    def __init__(self, next_path: str | None) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


class FormRefused(Exception):
    """A form without this session's CSRF token, or posted from another site: a 403."""


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a console page of this site, else None: no open redirects."""
    if not target or len(target) > 2_000 or "\\" in target:
        return None
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    # Browsers resolve dot segments (also escaped ones): /console/../docs is /docs.
    path = posixpath.normpath(unquote(parts.path))
    if path != HOME and not path.startswith(HOME + "/"):
        return None
    return target


def sign_in_url(next_path: str | None) -> str:
    next_path = safe_next(next_path)
    return f"{SIGN_IN}?{urlencode({'next': next_path})}" if next_path else SIGN_IN


def set_session_cookie(response: Response, request: Request, secret: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        secret,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def optional_coordinator(
    request: Request, session: SessionDep, settings: SettingsDep
) -> SignedIn | None:
    """The coordinator signed in through this browser, if any."""
    secret = request.cookies.get(COOKIE_NAME)
    if not secret:
        return None
    # Seeing a session may update it: on SQLite the transaction takes the write lock
    # before it reads, so that the update cannot fail on a lock upgrade (the session
    # dependency has already done so for every other method).
    if request.method in READ_METHODS and not session.in_transaction():
        begin_write(session)
    return sessions.find(
        session=session, secret=secret, limits=sessions.Limits.from_settings(settings), now=utcnow()
    )


OptionalSignedInDep = Annotated[SignedIn | None, Depends(optional_coordinator)]


def require_coordinator(
    request: Request, session: SessionDep, signed_in: OptionalSignedInDep
) -> SignedIn:
    if signed_in is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(here if request.method == "GET" else None)
    # What the console changes is audited as made by this coordinator's token, as the API's is.
    audit.act_as(
        session,
        audit.Actor(role=Role.coordinator.value, id=signed_in.token_id, name=signed_in.name),
    )
    return signed_in


SignedInDep = Annotated[SignedIn, Depends(require_coordinator)]


def refuse_foreign_origin(request: Request) -> None:
    """Refuse a form that a browser says was posted from another site."""
    if request.headers.get("sec-fetch-site", "").lower() in _FOREIGN_SITES:
        raise FormRefused("the form was posted from another site")


@dataclass(frozen=True)
class PostedForm:
    """A form posted by the signed-in coordinator, its CSRF token checked and removed."""

    signed_in: SignedIn
    values: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")


async def text_fields(request: Request) -> dict[str, str]:
    """The form's text fields (the last value of a repeated name); files are not read.

    Text holding a NUL character is refused as the API refuses it: no database stores one.
    """
    form = await request.form()
    values = {
        name: value for name, value in form.multi_items() if not isinstance(value, UploadFile)
    }
    refused = [name for name, value in values.items() if NUL in name or NUL in value]
    if refused:
        message = "must not contain NUL characters"
        raise InvalidInput.for_fields([FieldError(field=name, message=message) for name in refused])
    return values


async def posted_form(request: Request, signed_in: SignedInDep) -> PostedForm:
    refuse_foreign_origin(request)
    values = await text_fields(request)
    token = values.pop(CSRF_FIELD, "")
    if not hmac.compare_digest(token.encode(), signed_in.csrf_token.encode()):
        raise FormRefused("the form's CSRF token is missing or wrong")
    return PostedForm(signed_in=signed_in, values=values)


PostedFormDep = Annotated[PostedForm, Depends(posted_form)]
