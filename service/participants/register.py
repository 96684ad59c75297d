"""Registration forms for mentors and mentees, on the API's own models and rules.

The form posts what ``POST /mentees`` and ``POST /mentors`` take (lists as repeated
checkboxes), plus the consent box; it is checked by the same models and data
functions, and answered like the API: the same "check your email" for every address.
"""

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.api import ratelimit
from service.api.deps import NUL, ClockDep, SessionDep, SettingsDep
from service.console.auth import refuse_foreign_origin
from service.console.forms import FormErrors, parse, undo_on_error
from service.crud import registrations
from service.crud.taxonomy import read as read_taxonomy
from service.errors import DomainError, FieldError, Forbidden, InvalidInput
from service.models import MenteeCreate, MentorCreate, TaxonomyPublic
from service.participants.render import page

router = APIRouter()

MENTEE_LISTS = ("other_sectors", "needs")
MENTOR_LISTS = ("sectors", "skills", "legal_forms", "regions_served")
LABELS = {
    "name": "Full name",
    "email": "Email address",
    "organisation": "Organisation",
    "legal_form": "Legal form",
    "stage": "Stage",
    "primary_sector": "Main service area",
    "other_sectors": "Other service areas",
    "needs": "Support you want",
    "region": "Region",
    "meeting_mode": "How you can meet",
    "goals": "What you hope to get from mentoring",
    "job_title": "Job title",
    "kind": "Kind of mentor",
    "led_spin_out": "Led a spin-out",
    "years_experience": "Years of experience",
    "home_region": "Home region",
    "regions_served": "Other regions you can cover",
    "capacity": "Mentees at a time",
    "sectors": "Service areas you know",
    "skills": "Support you can give",
    "legal_forms": "Legal forms you know",
    "consent": "Consent",
}
NO_CONSENT = "Confirm that you have read the privacy notice and agree to it"


async def posted_lists(request: Request) -> dict[str, list[str]]:
    """Every value of every posted text field (checkboxes repeat their name)."""
    form = await request.form()
    values: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(name, []).append(value)
    refused = [name for name, items in values.items() if any(NUL in v for v in [name, *items])]
    if refused:
        message = "must not contain NUL characters"
        raise InvalidInput.for_fields([FieldError(field=name, message=message) for name in refused])
    return values


PostedListsDep = Annotated[dict[str, list[str]], Depends(posted_lists)]


def _open(settings: Any) -> None:
    if not settings.registration_open:
        raise Forbidden("self-registration is closed; ask a programme coordinator")


def _mentee_values(posted: Mapping[str, list[str]]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: items[-1] for name, items in posted.items() if name not in (*MENTEE_LISTS, "consent")
    }
    values["other_sectors"] = posted.get("other_sectors", [])
    values["needs"] = [{"skill": skill, "priority": 2} for skill in posted.get("needs", [])]
    return values


def _mentor_values(posted: Mapping[str, list[str]]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: items[-1] for name, items in posted.items() if name not in (*MENTOR_LISTS, "consent")
    }
    for name in MENTOR_LISTS:
        values[name] = posted.get(name, [])
    values["led_spin_out"] = values.get("led_spin_out") == "yes"
    for number in ("years_experience", "capacity"):
        if values.get(number, "") == "":
            values.pop(number, None)
    return values


def _form(
    request: Request,
    role: str,
    taxonomy: TaxonomyPublic,
    *,
    values: Mapping[str, Any],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        f"register_{role}.html",
        page_title=f"Register as a {role}",
        taxonomy=taxonomy,
        values=values,
        errors=errors,
        error_labels=LABELS,
        status_code=status_code,
    )


@router.get("/register", response_class=HTMLResponse)
def choose(request: Request, settings: SettingsDep) -> HTMLResponse:
    """Mentor or mentee?"""
    _open(settings)
    return page(request, "register.html", page_title="Register for the mentoring scheme")


@router.get("/register/sent", response_class=HTMLResponse)
def sent(request: Request) -> HTMLResponse:
    """The same answer for every address."""
    return page(
        request,
        "notice.html",
        page_title="Check your email",
        message=registrations.RECEIVED,
    )


def _blank(request: Request, session: SessionDep, settings: SettingsDep, role: str) -> HTMLResponse:
    _open(settings)
    defaults: dict[str, Any] = {"meeting_mode": "either"}
    if role == "mentor":
        defaults["capacity"] = "1"
    return _form(
        request, role, read_taxonomy(session=session), values=defaults, errors=FormErrors()
    )


@router.get("/register/mentee", response_class=HTMLResponse)
def mentee_form(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """The mentee registration form."""
    return _blank(request, session, settings, "mentee")


@router.get("/register/mentor", response_class=HTMLResponse)
def mentor_form(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """The mentor registration form."""
    return _blank(request, session, settings, "mentor")


def _submit(
    role: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    posted: dict[str, list[str]],
) -> Response:
    _open(settings)
    refuse_foreign_origin(request)
    values = _mentor_values(posted) if role == "mentor" else _mentee_values(posted)
    consented = posted.get("consent", [""])[-1] == "yes"
    try:
        data: MentorCreate | MenteeCreate = (
            parse(MentorCreate, values) if role == "mentor" else parse(MenteeCreate, values)
        )
        if not consented:
            raise InvalidInput.for_fields([FieldError(field="consent", message=NO_CONSENT)])
        with undo_on_error(session):
            now = clock.now()
            registrations.register(session=session, data=data, now=now, consent_at=now)
    except DomainError as exc:
        errors = FormErrors.of(exc, field="name")
        if not consented and not any(e.field == "consent" for e in errors.errors):
            errors = FormErrors((*errors.errors, FieldError(field="consent", message=NO_CONSENT)))
        shown = {
            **values,
            **{name: posted.get(name, []) for name in (*MENTEE_LISTS, *MENTOR_LISTS)},
        }
        shown["consent"] = consented
        return _form(
            request,
            role,
            read_taxonomy(session=session),
            values=shown,
            errors=errors,
            status_code=422,
        )
    return RedirectResponse("/register/sent", status_code=303)


@router.post("/register/mentee", response_class=HTMLResponse, dependencies=[ratelimit.RateLimit])
def register_mentee(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    posted: PostedListsDep,
) -> Response:
    """Register as a mentee: checked like POST /mentees, answered alike for every address."""
    return _submit("mentee", request, session, settings, clock, posted)


@router.post("/register/mentor", response_class=HTMLResponse, dependencies=[ratelimit.RateLimit])
def register_mentor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    posted: PostedListsDep,
) -> Response:
    """Register as a mentor: checked like POST /mentors, answered alike for every address."""
    return _submit("mentor", request, session, settings, clock, posted)
