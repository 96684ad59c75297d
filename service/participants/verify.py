"""Confirming an email address through the link a registration sent to it."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from service.api import ratelimit
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.console.auth import refuse_foreign_origin
from service.crud import registrations
from service.errors import NotFound
from service.participants.render import page

router = APIRouter()

LinkToken = Annotated[str, Path(max_length=100)]
INVALID = (
    "This link does not work: it may have been used already, or it is more than 48 hours "
    "old. Register again to get a new one; if you are registered, sign in instead."
)


def _invalid(request: Request) -> HTMLResponse:
    return page(
        request,
        "notice.html",
        page_title="This link does not work",
        message=INVALID,
        status_code=404,
    )


@router.get("/verify/{token}", response_class=HTMLResponse)
def confirm_page(
    token: LinkToken, request: Request, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    """The link's page: a button that confirms, so that a mail scanner's GET changes nothing."""
    try:
        person = registrations.link_holder(session=session, token=token, now=clock.now())
    except NotFound:
        return _invalid(request)
    return page(
        request,
        "verify.html",
        page_title="Confirm your email address",
        email=person.email,
        token=token,
    )


@router.post("/verify/{token}", response_class=HTMLResponse, dependencies=[ratelimit.RateLimit])
def confirm(
    token: LinkToken,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    """Confirm the address; the profile then waits for approval, or joins the cohort."""
    refuse_foreign_origin(request)
    try:
        person = registrations.verify(
            session=session, token=token, now=clock.now(), vetting=settings.vet_registrations
        )
    except NotFound:
        return _invalid(request)
    waiting = person.status == "pending"
    return page(
        request,
        "verified.html",
        page_title="Your email address is confirmed",
        waiting=waiting,
    )
