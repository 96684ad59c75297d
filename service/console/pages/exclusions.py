"""Exclusions: pairs never to be proposed; list them, add one, lift one after confirming."""

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from service.api.deps import ResourceId, SessionDep
from service.console.auth import PostedFormDep, SignedInDep
from service.console.forms import FormErrors, blank_to_none, parse, undo_on_error
from service.console.pagination import PageNumber, Pages
from service.console.render import page, redirect
from service.console.sessions import SignedIn
from service.crud import exclusions as crud
from service.crud import profiles
from service.errors import DomainError
from service.models import ExclusionCreate, ExclusionReason, Mentee, Mentor, Role

router = APIRouter(prefix="/exclusions")

HOME = "/console/exclusions"
# Above this many people, the form asks for an id instead of offering a list to choose from.
MAX_CHOICES = 500

REASONS = {
    ExclusionReason.conflict_of_interest: "Conflict of interest",
    ExclusionReason.declined: "Declined",
    ExclusionReason.rejected_proposal: "Proposal rejected",
    ExclusionReason.pairing_ended: "Pairing ended",
    ExclusionReason.other: "Other",
}
DECLARED_BY = {Role.coordinator: "Coordinator", Role.mentee: "Mentee", Role.mentor: "Mentor"}
FIELD_LABELS = {"mentee_id": "Mentee", "mentor_id": "Mentor", "reason": "Reason", "note": "Note"}


@router.get("", response_class=HTMLResponse)
def exclusions_page(
    request: Request, session: SessionDep, signed_in: SignedInDep, number: PageNumber = 1
) -> HTMLResponse:
    """Every exclusion, newest first, with both people's names."""
    pages = Pages(number=number, path=HOME)
    rows, count = crud.page_with_people(session=session, limit=pages.size, offset=pages.offset)
    return page(
        request,
        "exclusions.html",
        signed_in=signed_in,
        page_title="Exclusions" if number == 1 else f"Exclusions (page {number})",
        nav="exclusions",
        exclusions=rows,
        pages=replace(pages, count=count),
        reasons=REASONS,
        declared_by=DECLARED_BY,
    )


def _new_page(
    request: Request,
    session: SessionDep,
    signed_in: SignedIn,
    *,
    values: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    mentees, mentee_count = profiles.choices(session=session, table=Mentee, limit=MAX_CHOICES)
    mentors, mentor_count = profiles.choices(session=session, table=Mentor, limit=MAX_CHOICES)
    return page(
        request,
        "exclusion_new.html",
        signed_in=signed_in,
        page_title="Add an exclusion",
        nav="exclusions",
        mentees=mentees if mentee_count <= MAX_CHOICES else None,
        mentors=mentors if mentor_count <= MAX_CHOICES else None,
        reasons=REASONS,
        values=values,
        errors=errors,
        error_labels=FIELD_LABELS,
        status_code=status_code,
    )


@router.get("/new", response_class=HTMLResponse)
def new_exclusion_page(
    request: Request, session: SessionDep, signed_in: SignedInDep
) -> HTMLResponse:
    """The form to exclude a mentee-mentor pair."""
    values = {"reason": ExclusionReason.conflict_of_interest.value}
    return _new_page(request, session, signed_in, values=values, errors=FormErrors())


@router.post("/new", response_class=HTMLResponse)
def add_exclusion(request: Request, session: SessionDep, form: PostedFormDep) -> Response:
    """Exclude a mentee-mentor pair from every later run."""
    try:
        with undo_on_error(session):
            data = parse(ExclusionCreate, blank_to_none(form.values, "mentee_id", "mentor_id"))
            exclusion = crud.with_people(
                session=session, exclusion=crud.create(session=session, data=data)
            )
    except DomainError as exc:
        return _new_page(
            request,
            session,
            form.signed_in,
            values=dict(form.values),
            errors=FormErrors.of(exc, field="mentee_id"),
            status_code=exc.status_code,
        )
    mentee = exclusion.mentee.name if exclusion.mentee else f"mentee {exclusion.mentee_id}"
    mentor = exclusion.mentor.name if exclusion.mentor else f"mentor {exclusion.mentor_id}"
    return redirect(
        HOME,
        request=request,
        signed_in=form.signed_in,
        flash=f"{mentee} and {mentor} will not be proposed to each other",
    )


@router.get("/{exclusion_id}/lift", response_class=HTMLResponse)
def lift_page(
    request: Request, exclusion_id: ResourceId, session: SessionDep, signed_in: SignedInDep
) -> HTMLResponse:
    """Check before lifting an exclusion."""
    exclusion = crud.get(session=session, exclusion_id=exclusion_id)
    return page(
        request,
        "exclusion_lift.html",
        signed_in=signed_in,
        page_title="Lift this exclusion?",
        nav="exclusions",
        exclusion=crud.with_people(session=session, exclusion=exclusion),
        reasons=REASONS,
        declared_by=DECLARED_BY,
    )


@router.post("/{exclusion_id}/lift", response_class=HTMLResponse)
def lift_exclusion(
    request: Request, exclusion_id: ResourceId, session: SessionDep, form: PostedFormDep
) -> Response:
    """Lift an exclusion: the pair may be proposed again."""
    exclusion = crud.get(session=session, exclusion_id=exclusion_id)
    people = crud.with_people(session=session, exclusion=exclusion)
    crud.delete(session=session, exclusion=exclusion)
    mentee = people.mentee.name if people.mentee else people.mentee_email
    mentor = people.mentor.name if people.mentor else people.mentor_email
    return redirect(
        HOME,
        request=request,
        signed_in=form.signed_in,
        flash=f"Lifted the exclusion: {mentee} and {mentor} may be proposed to each other again",
    )
