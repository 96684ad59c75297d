"""Signing in by emailed link: ask for a link, follow it, press the button, see /my."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, EmailStr, ValidationError

from service.api import ratelimit
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.console.auth import refuse_foreign_origin, text_fields
from service.console.forms import FormErrors
from service.console.sessions import Limits
from service.crud import registrations
from service.errors import FieldError, NotFound
from service.notifications.messages import SIGN_IN_LINK_MINUTES
from service.participants import sessions
from service.participants.render import navigation, page
from service.participants.sessions import ParticipantDep, ParticipantFormDep

router = APIRouter()

LinkToken = Annotated[str, Path(max_length=100)]
INVALID = (
    "This sign-in link does not work: it may have been used already, or it is more than "
    f"{SIGN_IN_LINK_MINUTES} minutes old. Ask for a new one."
)


class _Address(BaseModel):
    email: EmailStr


def _form(
    request: Request, *, errors: FormErrors, email: str = "", status_code: int = 200
) -> HTMLResponse:
    return page(
        request,
        "sign_in.html",
        page_title="Sign in to the mentoring scheme",
        errors=errors,
        error_labels={"email": "Email address"},
        email=email,
        status_code=status_code,
    )


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request) -> HTMLResponse:
    """Ask for a sign-in link."""
    return _form(request, errors=FormErrors())


FieldsDep = Annotated[dict[str, str], Depends(text_fields)]


@router.post("/sign-in", response_class=HTMLResponse, dependencies=[ratelimit.RateLimit])
def ask_for_link(
    request: Request, session: SessionDep, clock: ClockDep, fields: FieldsDep
) -> Response:
    """Send a link to a registered, confirmed address; say the same for any address."""
    refuse_foreign_origin(request)
    email = fields.get("email", "").strip()
    try:
        _Address(email=email)
    except ValidationError:
        message = "Enter an email address in the correct format, like name@example.org"
        errors = FormErrors((FieldError(field="email", message=message),))
        return _form(request, errors=errors, email=email, status_code=422)
    registrations.send_sign_in(session=session, email=email, now=clock.now())
    return RedirectResponse("/sign-in/sent", status_code=303)


@router.get("/sign-in/sent", response_class=HTMLResponse)
def link_sent(request: Request) -> HTMLResponse:
    """The same answer for every address."""
    return page(
        request,
        "notice.html",
        page_title="Check your email",
        message=(
            "If this address belongs to a registered mentor or mentee, we have sent it a link "
            f"to sign in. The link works once, for {SIGN_IN_LINK_MINUTES} minutes."
        ),
    )


@router.get("/sign-in/{token}", response_class=HTMLResponse)
def confirm_page(
    token: LinkToken, request: Request, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    """The link's page: a button, so that a mail scanner's GET spends nothing."""
    try:
        registrations.sign_in_holder(session=session, token=token, now=clock.now())
    except NotFound:
        return page(
            request,
            "notice.html",
            page_title="This link does not work",
            message=INVALID,
            status_code=404,
        )
    return page(request, "sign_in_confirm.html", page_title="Sign in", token=token)


@router.post("/sign-in/{token}", response_class=HTMLResponse, dependencies=[ratelimit.RateLimit])
def sign_in(
    token: LinkToken, request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """Spend the link and open a session: a new id at each sign-in."""
    refuse_foreign_origin(request)
    now = clock.now()
    try:
        person = registrations.use_sign_in(session=session, token=token, now=now)
    except NotFound:
        return page(
            request,
            "notice.html",
            page_title="This link does not work",
            message=INVALID,
            status_code=404,
        )
    sessions.end(session=session, secret=request.cookies.get(sessions.COOKIE_NAME, ""))
    secret = sessions.start(
        session=session, person=person, limits=Limits.from_settings(settings), now=now
    )
    response = RedirectResponse(sessions.HOME, status_code=303)
    sessions.set_cookie(response, request, secret)
    return response


@router.get("/my", response_class=HTMLResponse)
def my_profile(request: Request, participant: ParticipantDep) -> HTMLResponse:
    """Your own profile, as the programme holds it."""
    return page(
        request,
        "my_profile.html",
        page_title="Your profile",
        participant_navigation=navigation("profile"),
        person=participant.person,
        role=participant.role,
        csrf_token=participant.csrf_token,
    )


@router.post("/my/sign-out", response_class=HTMLResponse)
def sign_out(request: Request, session: SessionDep, form: ParticipantFormDep) -> Response:
    """End this browser's session."""
    sessions.end(session=session, secret=form.participant.secret)
    response = RedirectResponse("/sign-in", status_code=303)
    sessions.clear_cookie(response, request)
    return response
