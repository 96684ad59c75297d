"""Pairings: who works with whom, filtered as the API filters them, and ending one.

The list is the API's ``crud.pairings.list_page`` with its ``PairingFilter``
(in SQL); ending is the API's ``crud.pairings.end`` with its ``PairingEnd``.
"""

from dataclasses import replace
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from service.api.deps import ResourceId, SessionDep
from service.console.auth import PostedFormDep, SignedInDep
from service.console.forms import FormErrors, parse, undo_on_error
from service.console.pages.match_runs import COMPONENTS
from service.console.pagination import PageNumber, Pages
from service.console.render import page, redirect
from service.console.sessions import SignedIn
from service.crud import pairings as crud
from service.errors import Conflict, DomainError, FieldError
from service.matchmaking import suggestions
from service.models import Fit, PairingCreate, PairingEnd, PairingPublic, PairingStatus, utcnow

router = APIRouter(prefix="/pairings")

HOME = "/console/pairings"
# "Ending soon" looks this far ahead (and keeps showing pairings past their planned end).
ENDING_SOON_DAYS = 30
STATUSES = {
    PairingStatus.active: ("Active", "govuk-tag--green"),
    PairingStatus.completed: ("Completed", "govuk-tag--blue"),
    PairingStatus.ended_early: ("Ended early", "govuk-tag--grey"),
}
FITS = {
    Fit.good_fit: "Good fit",
    Fit.still_deciding: "Still deciding",
    Fit.not_a_fit: "Not a fit",
}
ENDINGS = {
    PairingStatus.completed: (
        "Completed",
        "They finished their time together. The mentee does not go back to waiting.",
    ),
    PairingStatus.ended_early: (
        "Ended early",
        "It stopped before its time. The mentee goes back to waiting for a new mentor.",
    ),
}
FIELD_LABELS = {"status": "How it ended", "reason": "Reason", "ended_on": "End date"}
FilterText = Annotated[str, Query(max_length=32)]
MenteeId = Annotated[int, Query(ge=1, le=2**31 - 1, description="The mentee to pair.")]
# Suggestions listed when pairing by hand.
SUGGESTIONS = 10


def _choice(value: str, allowed: type[PairingStatus] | type[Fit], field: str) -> FieldError | None:
    if value and value not in allowed.__members__:
        valid = ", ".join(allowed.__members__)
        return FieldError(field=field, message=f"unknown {field} '{value}'; valid: {valid}")
    return None


@router.get("", response_class=HTMLResponse)
def pairings_page(
    request: Request,
    session: SessionDep,
    signed_in: SignedInDep,
    number: PageNumber = 1,
    status: FilterText = "",
    fit: FilterText = "",
    ending: FilterText = "",
) -> HTMLResponse:
    """Every pairing with both names, filtered by status, fit answers or planned end."""
    status, fit, ending = status.strip(), fit.strip(), ending.strip()
    problems = [
        error
        for error in (
            _choice(status, PairingStatus, "status"),
            _choice(fit, Fit, "fit"),
            FieldError(field="ending", message="must be 'soon' or left out")
            if ending not in ("", "soon")
            else None,
        )
        if error is not None
    ]
    errors = FormErrors(tuple(problems))
    chosen = {"status": status, "fit": fit, "ending": ending}
    given = {name: value for name, value in chosen.items() if value}
    ends_by = utcnow().date() + timedelta(days=ENDING_SOON_DAYS)
    pages = Pages(number=number, path=HOME, query=tuple(given.items()))
    rows: list[PairingPublic] = []
    count = 0
    if not errors:
        where = crud.PairingFilter(
            status=PairingStatus(status) if status else None,
            fit=Fit(fit) if fit else None,
            planned_end_before=ends_by if ending else None,
        )
        rows, count = crud.list_page(
            session=session, where=where, limit=pages.size, offset=pages.offset
        )
    return page(
        request,
        "pairings.html",
        signed_in=signed_in,
        page_title="Pairings" if number == 1 else f"Pairings (page {number})",
        nav="pairings",
        pairings=rows,
        pages=replace(pages, count=count),
        filters=chosen,
        filtered=bool(given),
        statuses=STATUSES,
        fits=FITS,
        ends_by=ends_by,
        soon_days=ENDING_SOON_DAYS,
        errors=errors,
        error_labels={"status": "Status", "fit": "How it fits", "ending": "Ending"},
        status_code=422 if errors else 200,
    )


def _active(session: SessionDep, pairing_id: int) -> PairingPublic:
    pairing = crud.get(session=session, pairing_id=pairing_id)
    if pairing.status != PairingStatus.active:
        raise Conflict(f"pairing {pairing.id} already ended ({pairing.status})")
    (public,) = crud.to_public(session=session, rows=[pairing])
    return public


def _end_page(
    request: Request,
    signed_in: SignedIn,
    pairing: PairingPublic,
    *,
    values: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "pairing_end.html",
        signed_in=signed_in,
        page_title="End this pairing",
        nav="pairings",
        pairing=pairing,
        endings=ENDINGS,
        fits=FITS,
        values=values,
        errors=errors,
        error_labels=FIELD_LABELS,
        status_code=status_code,
    )


@router.get("/{pairing_id}/end", response_class=HTMLResponse)
def end_page(
    request: Request, pairing_id: ResourceId, session: SessionDep, signed_in: SignedInDep
) -> HTMLResponse:
    """Ask how, and why, a pairing ends."""
    return _end_page(
        request, signed_in, _active(session, pairing_id), values={}, errors=FormErrors()
    )


@router.post("/{pairing_id}/end", response_class=HTMLResponse)
def end_pairing(
    request: Request, pairing_id: ResourceId, session: SessionDep, form: PostedFormDep
) -> Response:
    """End the pairing as the API does: an early end returns the mentee to waiting."""
    pairing = _active(session, pairing_id)
    try:
        with undo_on_error(session):
            # A status left unchosen is missing, as in the API.
            chosen = {"status": form.get("status")} if form.get("status") else {}
            data = parse(PairingEnd, {**chosen, "reason": form.get("reason")})
            row = crud.get(session=session, pairing_id=pairing_id)
            crud.end(session=session, pairing=row, data=data)
    except DomainError as exc:
        return _end_page(
            request,
            form.signed_in,
            pairing,
            values=dict(form.values),
            errors=FormErrors.of(exc, field="status"),
            status_code=exc.status_code,
        )
    how = "completed" if data.status == PairingStatus.completed else "ended early"
    after = (
        f"; {pairing.mentee.name} is waiting for a new mentor"
        if data.status == PairingStatus.ended_early
        else ""
    )
    return redirect(
        HOME,
        request=request,
        signed_in=form.signed_in,
        flash=f"The pairing of {pairing.mentee.name} and {pairing.mentor.name} {how}{after}",
    )


def _suggestions_page(
    request: Request,
    session: SessionDep,
    signed_in: SignedIn,
    mentee_id: int,
    *,
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    found = suggestions.suggestions(
        session=session, mentee_id=mentee_id, limit=SUGGESTIONS, min_score=0.0
    )
    return page(
        request,
        "pairing_new.html",
        signed_in=signed_in,
        page_title=f"Pair {found.mentee.name} by hand",
        nav="pairings",
        found=found,
        components=COMPONENTS,
        errors=errors,
        error_labels={"mentor_id": "Mentor", "mentee_id": "Mentee"},
        status_code=status_code,
    )


@router.get("/new", response_class=HTMLResponse)
def new_pairing_page(
    request: Request, session: SessionDep, signed_in: SignedInDep, mentee_id: MenteeId
) -> HTMLResponse:
    """The best eligible mentors for a mentee, as the API suggests them, to pair by hand."""
    return _suggestions_page(request, session, signed_in, mentee_id, errors=FormErrors())


@router.post("/new", response_class=HTMLResponse)
def create_pairing(request: Request, session: SessionDep, form: PostedFormDep) -> Response:
    """Pair a mentee with a mentor under the same checks as accepting a proposal."""
    try:
        with undo_on_error(session):
            data = parse(
                PairingCreate,
                {"mentee_id": form.get("mentee_id"), "mentor_id": form.get("mentor_id")},
            )
            pairing = crud.create(session=session, data=data)
            (public,) = crud.to_public(session=session, rows=[pairing])
    except DomainError as exc:
        mentee_id = form.get("mentee_id")
        if not mentee_id.isdigit():
            raise
        return _suggestions_page(
            request,
            session,
            form.signed_in,
            int(mentee_id),
            # Whatever the API names (the body, the pair), the choice to change is the mentor.
            errors=FormErrors(
                tuple(
                    FieldError(field="mentor_id", message=error.message)
                    for error in FormErrors.of(exc, field="mentor_id").errors
                )
            ),
            status_code=exc.status_code,
        )
    return redirect(
        HOME,
        request=request,
        signed_in=form.signed_in,
        flash=f"Paired {public.mentee.name} with {public.mentor.name}",
    )
