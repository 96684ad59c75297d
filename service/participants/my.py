"""A signed-in participant's own pages: changing their profile, their pairings, availability."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from service.api.deps import SessionDep
from service.console.forms import FormErrors, parse, undo_on_error
from service.crud import mentees, mentors, pairings
from service.errors import DomainError
from service.models import (
    Mentee,
    MenteeSelfUpdate,
    MenteeStatus,
    MenteeUpdate,
    Mentor,
    MentorSelfUpdate,
    MentorStatus,
    MentorUpdate,
    PairingStatus,
)
from service.participants.render import navigation, page
from service.participants.sessions import Participant, ParticipantDep, ParticipantFormDep

router = APIRouter()

# What a participant may do to their own availability, by their status now.
CHANGES: dict[str, tuple[str, str]] = {
    # action: (button text, new status)
    "pause": ("Pause: do not match me for now", MentorStatus.paused),
    "resume": ("Resume: I can take mentees again", MentorStatus.active),
    "withdraw": ("Withdraw from the scheme", MenteeStatus.withdrawn),
}


def _actions(person: Mentor | Mentee) -> list[str]:
    if isinstance(person, Mentor):
        return {MentorStatus.active: ["pause"], MentorStatus.paused: ["resume"]}.get(
            person.status, []
        )
    return ["withdraw"] if person.status in (MenteeStatus.waiting, MenteeStatus.pending) else []


def _partner(
    session: Session, participant: Participant, mentor_id: int | None, mentee_id: int | None
) -> Mentor | Mentee | None:
    if participant.role == "mentee":
        return session.get(Mentor, mentor_id)
    return session.get(Mentee, mentee_id)


@router.get("/my/pairings", response_class=HTMLResponse)
def my_pairings(request: Request, session: SessionDep, participant: ParticipantDep) -> HTMLResponse:
    """Your pairings; your partner's contact details while the pairing is active."""
    rows = []
    for pairing in pairings.list_for(session=session, principal=participant.principal):
        partner = _partner(session, participant, pairing.mentor_id, pairing.mentee_id)
        gone = partner is None or partner.erased_at is not None
        rows.append(
            {
                "pairing": pairing,
                "partner_name": "(no longer registered)"
                if gone or partner is None
                else partner.name,
                "organisation": "" if gone or partner is None else partner.organisation,
                "email": partner.email
                if partner is not None and not gone and pairing.status == PairingStatus.active
                else None,
            }
        )
    return page(
        request,
        "my_pairings.html",
        page_title="Your pairings",
        rows=rows,
        role=participant.role,
        participant_navigation=navigation("pairings"),
        csrf_token=participant.csrf_token,
    )


def _availability(
    request: Request, participant: Participant, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return page(
        request,
        "my_availability.html",
        page_title="Your availability",
        person=participant.person,
        role=participant.role,
        actions=[(action, CHANGES[action][0]) for action in _actions(participant.person)],
        error=error,
        participant_navigation=navigation("availability"),
        csrf_token=participant.csrf_token,
        status_code=status_code,
    )


@router.get("/my/availability", response_class=HTMLResponse)
def my_availability(request: Request, participant: ParticipantDep) -> HTMLResponse:
    """Pause or resume (a mentor), withdraw (a mentee)."""
    return _availability(request, participant)


@router.post("/my/availability", response_class=HTMLResponse)
def change_availability(
    request: Request, session: SessionDep, form: ParticipantFormDep
) -> Response:
    """Apply one change the page offered; anything else is refused and changes nothing."""
    participant = form.participant
    action = form.values.get("action", "")
    if action not in _actions(participant.person):
        return _availability(
            request, participant, error="That change is not available now.", status_code=422
        )
    status = CHANGES[action][1]
    person = participant.person
    try:
        with session.begin_nested():
            if isinstance(person, Mentor):
                mentors.update(
                    session=session, mentor=person, data=MentorUpdate(status=MentorStatus(status))
                )
            else:
                mentees.update(
                    session=session, mentee=person, data=MenteeUpdate(status=MenteeStatus(status))
                )
    except DomainError as exc:
        return _availability(request, participant, error=exc.detail, status_code=exc.status_code)
    return RedirectResponse("/my/availability", status_code=303)


# What the edit page offers: the plain fields of each role (the address changes only
# through the programme team, since a new one would need confirming).
EDITABLE = {
    "mentor": ("name", "organisation", "job_title", "meeting_mode", "capacity"),
    "mentee": ("name", "organisation", "meeting_mode", "goals"),
}
EDIT_LABELS = {
    "name": "Full name",
    "organisation": "Organisation",
    "job_title": "Job title",
    "meeting_mode": "How you can meet",
    "capacity": "Mentees at a time",
    "goals": "What you hope to get from mentoring",
}


def _edit_page(
    request: Request,
    participant: Participant,
    *,
    values: dict[str, Any],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "my_edit.html",
        page_title="Change your profile",
        role=participant.role,
        values=values,
        errors=errors,
        error_labels=EDIT_LABELS,
        participant_navigation=navigation("profile"),
        csrf_token=participant.csrf_token,
        status_code=status_code,
    )


@router.get("/my/edit", response_class=HTMLResponse)
def edit_profile(request: Request, participant: ParticipantDep) -> HTMLResponse:
    """The form to change your own profile."""
    person = participant.person
    values = {name: getattr(person, name) for name in EDITABLE[participant.role]}
    return _edit_page(request, participant, values=values, errors=FormErrors())


@router.post("/my/edit", response_class=HTMLResponse)
def save_profile(request: Request, session: SessionDep, form: ParticipantFormDep) -> Response:
    """Save the changes with the API's own model and rules (PATCH /me)."""
    participant = form.participant
    person = participant.person
    values = {name: form.values.get(name, "") for name in EDITABLE[participant.role]}
    try:
        with undo_on_error(session):
            if isinstance(person, Mentor):
                mentors.update(session=session, mentor=person, data=parse(MentorSelfUpdate, values))
            else:
                mentees.update(session=session, mentee=person, data=parse(MenteeSelfUpdate, values))
    except DomainError as exc:
        errors = FormErrors.of(exc, field="name")
        return _edit_page(request, participant, values=values, errors=errors, status_code=422)
    return RedirectResponse("/my", status_code=303)
