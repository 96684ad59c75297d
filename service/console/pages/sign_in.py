"""Signing in with a coordinator token, and signing out."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from service.api.deps import SessionDep, SettingsDep
from service.console import sessions
from service.console.auth import (
    COOKIE_NAME,
    HOME,
    SIGN_IN,
    OptionalSignedInDep,
    PostedFormDep,
    clear_session_cookie,
    refuse_foreign_origin,
    safe_next,
    set_session_cookie,
    text_fields,
)
from service.console.forms import FormErrors
from service.console.render import page, redirect
from service.errors import FieldError
from service.models import utcnow
from service.security import authenticate

router = APIRouter()

NO_TOKEN = "Enter your coordinator token"
UNKNOWN_TOKEN = "This token is not recognised, or it has expired or been revoked"
PARTICIPANT_TOKEN = (
    "This is a mentor's or mentee's personal token, which cannot open the console: "
    "sign in with a coordinator token"
)


async def sign_in_fields(request: Request) -> dict[str, str]:
    refuse_foreign_origin(request)
    return await text_fields(request)


SignInFieldsDep = Annotated[dict[str, str], Depends(sign_in_fields)]


def _sign_in_page(
    request: Request, *, next_path: str | None, errors: FormErrors, status_code: int = 200
) -> HTMLResponse:
    return page(
        request,
        "sign_in.html",
        signed_in=None,
        page_title="Sign in",
        next_path=next_path,
        errors=errors,
        signed_out="signed-out" in request.query_params,
        status_code=status_code,
    )


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(
    request: Request,
    signed_in: OptionalSignedInDep,
    next_path: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """The sign-in page; a coordinator already signed in goes straight on."""
    if signed_in is not None:
        return redirect(safe_next(next_path) or HOME, request=request)
    return _sign_in_page(request, next_path=safe_next(next_path), errors=FormErrors())


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request, session: SessionDep, settings: SettingsDep, fields: SignInFieldsDep
) -> Response:
    """Open a console session for a coordinator's token; any other token is refused."""
    secret = fields.get("token", "").strip()
    next_path = safe_next(fields.get("next"))
    principal = authenticate(session=session, secret=secret) if secret else None
    if principal is None or not principal.is_coordinator:
        if not secret:
            message, status_code = NO_TOKEN, 422
        elif principal is None:
            message, status_code = UNKNOWN_TOKEN, 422
        else:
            message, status_code = PARTICIPANT_TOKEN, 403
        errors = FormErrors((FieldError(field="token", message=message),))
        return _sign_in_page(request, next_path=next_path, errors=errors, status_code=status_code)
    now = utcnow()
    limits = sessions.Limits.from_settings(settings)
    # A new session id at every sign-in: an id planted before sign-in is never promoted.
    sessions.end(session=session, secret=request.cookies.get(COOKIE_NAME, ""))
    sessions.prune(session=session, limits=limits, now=now)
    secret_id = sessions.start(session=session, token_id=principal.token_id, limits=limits, now=now)
    response = redirect(next_path or HOME, request=request)
    set_session_cookie(response, request, secret_id)
    return response


@router.post("/sign-out", response_class=HTMLResponse)
def sign_out(request: Request, session: SessionDep, form: PostedFormDep) -> Response:
    """End this browser's session."""
    sessions.end(session=session, secret=form.signed_in.secret)
    response = redirect(f"{SIGN_IN}?signed-out", request=request)
    clear_session_cookie(response, request)
    return response
