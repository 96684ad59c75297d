"""Match runs: start one with chosen parameters, review what it proposed, decide.

Starting a run is the API's ``runs.trigger`` with the API's request model;
accepting is ``decisions.accept`` (a selection all or none, or everything still
possible, saying what was skipped and why), rejecting ``decisions.reject``, and
the downloads are the API's sheets. The console only chooses what to show.
"""

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.api.deps import ResourceId, SessionDep, SettingsDep
from service.api.spreadsheets import spreadsheet_response
from service.console.auth import PostedFormDep, SignedInDep
from service.console.forms import FormErrors, ListedFieldsDep, parse, undo_on_error
from service.console.pagination import PageNumber, Pages
from service.console.render import page, redirect
from service.console.sessions import SignedIn
from service.crud import statistics
from service.crud.taxonomy import load_index
from service.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from service.matchmaking import decisions, review, runs
from service.models import (
    AcceptMode,
    AcceptRequest,
    MatchRun,
    MatchRunCreate,
    Objective,
    Proposal,
    ProposalPublic,
    ProposalStatus,
    RejectRequest,
    Vocabulary,
    Weights,
    utcnow,
)
from service.spreadsheets.formats import SheetFormat

router = APIRouter(prefix="/match-runs")

HOME = "/console/match-runs"
# Unmatched mentees listed on the review page; the download has them all.
UNMATCHED_SHOWN = 50
WEIGHTS = tuple(Weights.model_fields)
COMPONENTS = {
    "skills": "Skills",
    "sector": "Sector",
    "region": "Region",
    "experience": "Experience",
}
OBJECTIVES = {
    Objective.max_matched: (
        "Match as many mentees as possible",
        "Then the highest total score. Best when everyone waiting should get a mentor.",
    ),
    Objective.max_score: (
        "Highest total score",
        "Better pairs, even if fewer mentees are matched this time.",
    ),
}
FIELD_LABELS = {
    "weights": "Weights",
    "min_score": "Minimum score",
    "objective": "Objective",
    "balance": "Balance",
    "waiting_bonus": "Waiting bonus",
    "cohort": "Cohort",
    "solver": "Solver",
    "proposal_ids": "Proposals",
    "reason": "Reason",
}
STATUSES = {
    ProposalStatus.proposed: ("Proposed", "govuk-tag--blue"),
    ProposalStatus.accepted: ("Accepted", "govuk-tag--green"),
    ProposalStatus.rejected: ("Rejected", "govuk-tag--grey"),
}


# -- the list of runs ------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def runs_page(
    request: Request, session: SessionDep, signed_in: SignedInDep, number: PageNumber = 1
) -> HTMLResponse:
    """Every run, newest first, with what it matched."""
    pages = Pages(number=number, path=HOME)
    count = session.exec(select(func.count()).select_from(MatchRun)).one()
    rows = session.exec(
        select(MatchRun).order_by(col(MatchRun.id).desc()).offset(pages.offset).limit(pages.size)
    ).all()
    return page(
        request,
        "match_runs.html",
        signed_in=signed_in,
        page_title="Match runs" if number == 1 else f"Match runs (page {number})",
        nav="match-runs",
        runs=[runs.to_public(row) for row in rows],
        pages=replace(pages, count=count),
    )


# -- a new run ---------------------------------------------------------------------------


def _default_values() -> dict[str, str]:
    defaults = MatchRunCreate().model_dump(mode="json")
    values = {f"weights.{name}": str(value) for name, value in defaults["weights"].items()}
    for name in ("min_score", "objective", "balance", "waiting_bonus"):
        values[name] = str(defaults[name])
    return values


def _new_page(
    request: Request,
    session: Session,
    signed_in: SignedIn,
    *,
    values: dict[str, str],
    chosen: dict[str, list[str]],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    index = load_index(session=session)

    def items(vocabulary: Vocabulary, field: str) -> list[dict[str, Any]]:
        return [
            {"value": code, "text": term.label, "checked": code in chosen.get(field, [])}
            for code, term in index.terms[vocabulary].items()
            if not term.retired
        ]

    return page(
        request,
        "match_run_new.html",
        signed_in=signed_in,
        page_title="Start a match run",
        nav="match-runs",
        values=values,
        weights=WEIGHTS,
        components=COMPONENTS,
        objectives=OBJECTIVES,
        sectors=items(Vocabulary.sector, "cohort.sectors"),
        regions=items(Vocabulary.region, "cohort.regions"),
        summary=statistics.summary(session=session, now=utcnow()),
        errors=errors,
        error_labels=FIELD_LABELS,
        status_code=status_code,
    )


@router.get("/new", response_class=HTMLResponse)
def new_run_page(request: Request, session: SessionDep, signed_in: SignedInDep) -> HTMLResponse:
    """The parameters of a new run, with the API's defaults filled in."""
    return _new_page(
        request, session, signed_in, values=_default_values(), chosen={}, errors=FormErrors()
    )


@router.post("/new", response_class=HTMLResponse)
def start_run(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form: PostedFormDep,
    listed: ListedFieldsDep,
) -> Response:
    """Start a run as the API does; land on its review."""
    values = dict(form.values)
    chosen = {field: listed.get(field, []) for field in ("cohort.sectors", "cohort.regions")}
    payload = {
        "weights": {name: values.get(f"weights.{name}", "") for name in WEIGHTS},
        **{
            name: values.get(name, "")
            for name in ("min_score", "objective", "balance", "waiting_bonus")
        },
        "cohort": {"sectors": chosen["cohort.sectors"], "regions": chosen["cohort.regions"]},
    }
    try:
        with undo_on_error(session):
            data = parse(MatchRunCreate, payload)
            run = runs.trigger(
                session=session,
                data=data,
                triggered_by=form.signed_in.name,
                max_pairs=settings.max_run_pairs,
            )
    except DomainError as exc:
        return _new_page(
            request,
            session,
            form.signed_in,
            values=values,
            chosen=chosen,
            errors=FormErrors.of(exc, field="cohort"),
            status_code=exc.status_code,
        )
    proposed = "1 pairing" if run.matched_count == 1 else f"{run.matched_count} pairings"
    return redirect(
        f"{HOME}/{run.id}",
        request=request,
        signed_in=form.signed_in,
        flash=f"Run {run.id} proposed {proposed} for {run.mentees_considered} waiting "
        f"{'mentee' if run.mentees_considered == 1 else 'mentees'}",
    )


# -- reviewing a run ---------------------------------------------------------------------


def _proposals_by_score(
    session: Session, run_id: int, *, limit: int, offset: int
) -> tuple[list[ProposalPublic], int, int]:
    """A page of the run's proposals, best score first; their count, and how many are open."""
    in_run = col(Proposal.match_run_id) == run_id
    count = session.exec(select(func.count()).select_from(Proposal).where(in_run)).one()
    still_open = session.exec(
        select(func.count())
        .select_from(Proposal)
        .where(in_run, col(Proposal.status) == ProposalStatus.proposed)
    ).one()
    rows = session.exec(
        select(Proposal)
        .where(in_run)
        .order_by(col(Proposal.score).desc(), col(Proposal.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return runs.proposals_public(session=session, rows=rows), count, still_open


def _review_page(
    request: Request,
    session: Session,
    signed_in: SignedIn,
    run_id: int,
    *,
    number: int = 1,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    run = runs.to_public(runs.get(session=session, run_id=run_id))
    pages = Pages(number=number, path=f"{HOME}/{run_id}")
    proposals, count, still_open = _proposals_by_score(
        session, run_id, limit=pages.size, offset=pages.offset
    )
    unmatched, unmatched_count = runs.unmatched_page(
        session=session, run_id=run_id, limit=UNMATCHED_SHOWN, offset=0
    )
    index = load_index(session=session)
    cohort = run.parameters.get("cohort", {})
    title = f"Match run {run_id}" + ("" if number == 1 else f" (page {number})")
    return page(
        request,
        "match_run.html",
        signed_in=signed_in,
        page_title=title,
        nav="match-runs",
        run=run,
        proposals=proposals,
        pages=replace(pages, count=count),
        still_open=still_open,
        unmatched=unmatched,
        unmatched_count=unmatched_count,
        components=COMPONENTS,
        objectives=OBJECTIVES,
        statuses=STATUSES,
        cohort_sectors=[
            index.terms[Vocabulary.sector].get(code, None) for code in cohort.get("sectors", [])
        ],
        cohort_regions=[
            index.terms[Vocabulary.region].get(code, None) for code in cohort.get("regions", [])
        ],
        errors=errors or FormErrors(),
        error_labels=FIELD_LABELS,
        status_code=status_code,
    )


@router.get("/{run_id}", response_class=HTMLResponse)
def review_page(
    request: Request,
    run_id: ResourceId,
    session: SessionDep,
    signed_in: SignedInDep,
    number: PageNumber = 1,
) -> HTMLResponse:
    """A run's summary, its proposals best first, and the mentees it left unmatched."""
    return _review_page(request, session, signed_in, run_id, number=number)


@router.post("/{run_id}/accept", response_class=HTMLResponse)
def accept(
    request: Request,
    run_id: ResourceId,
    session: SessionDep,
    form: PostedFormDep,
    listed: ListedFieldsDep,
) -> Response:
    """Accept the selected proposals (all or none), or every open one still possible."""
    possible = form.get("accept") == AcceptMode.possible.value
    try:
        with undo_on_error(session):
            if possible:
                result = decisions.accept(
                    session=session, run_id=run_id, proposal_ids=None, mode=AcceptMode.possible
                )
            else:
                chosen = listed.get("proposal_ids", [])
                if not chosen:
                    message = "select the proposals to accept, or accept everything still possible"
                    raise InvalidInput.for_fields(
                        [FieldError(field="proposal_ids", message=message)]
                    )
                data = parse(AcceptRequest, {"proposal_ids": chosen})
                result = decisions.accept(
                    session=session, run_id=run_id, proposal_ids=data.proposal_ids
                )
    except NotFound:
        raise
    except DomainError as exc:
        return _review_page(
            request,
            session,
            form.signed_in,
            run_id,
            errors=FormErrors.of(exc, field="proposal_ids"),
            status_code=exc.status_code,
        )
    accepted = "1 proposal" if result.count == 1 else f"{result.count} proposals"
    if not result.skipped:
        return redirect(
            f"{HOME}/{run_id}",
            request=request,
            signed_in=form.signed_in,
            flash=f"Accepted {accepted}: they are now active pairings",
        )
    # What was skipped, and why, is shown once here rather than squeezed into a banner.
    return page(
        request,
        "match_run_accepted.html",
        signed_in=form.signed_in,
        page_title=f"Accepted {accepted}",
        nav="match-runs",
        run_id=run_id,
        result=result,
    )


def _open_proposal(session: Session, run_id: int, proposal_id: int) -> ProposalPublic:
    runs.get(session=session, run_id=run_id)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.match_run_id != run_id:
        raise NotFound(f"run {run_id} has no proposal {proposal_id}")
    if proposal.status != ProposalStatus.proposed:
        raise Conflict(f"proposal {proposal_id} is already {proposal.status}")
    (public,) = runs.proposals_public(session=session, rows=[proposal])
    return public


def _reject_page(
    request: Request,
    signed_in: SignedIn,
    proposal: ProposalPublic,
    *,
    values: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "proposal_reject.html",
        signed_in=signed_in,
        page_title="Reject this proposal?",
        nav="match-runs",
        proposal=proposal,
        components=COMPONENTS,
        values=values,
        errors=errors,
        error_labels=FIELD_LABELS,
        status_code=status_code,
    )


@router.get("/{run_id}/proposals/{proposal_id}/reject", response_class=HTMLResponse)
def reject_page(
    request: Request,
    run_id: ResourceId,
    proposal_id: ResourceId,
    session: SessionDep,
    signed_in: SignedInDep,
) -> HTMLResponse:
    """Ask why before rejecting a proposal."""
    proposal = _open_proposal(session, run_id, proposal_id)
    return _reject_page(request, signed_in, proposal, values={}, errors=FormErrors())


@router.post("/{run_id}/proposals/{proposal_id}/reject", response_class=HTMLResponse)
def reject(
    request: Request,
    run_id: ResourceId,
    proposal_id: ResourceId,
    session: SessionDep,
    form: PostedFormDep,
) -> Response:
    """Reject a proposal: the pair is excluded from every later run."""
    proposal = _open_proposal(session, run_id, proposal_id)
    try:
        with undo_on_error(session):
            data = parse(RejectRequest, {"reason": form.get("reason")})
            decisions.reject(
                session=session, run_id=run_id, proposal_id=proposal_id, reason=data.reason
            )
    except DomainError as exc:
        return _reject_page(
            request,
            form.signed_in,
            proposal,
            values=dict(form.values),
            errors=FormErrors.of(exc, field="reason"),
            status_code=exc.status_code,
        )
    return redirect(
        f"{HOME}/{run_id}",
        request=request,
        signed_in=form.signed_in,
        flash=f"Rejected {proposal.mentee.name} with {proposal.mentor.name}: "
        "they will not be proposed to each other again",
    )


@router.get("/{run_id}/proposals.csv")
def proposals_csv(run_id: ResourceId, session: SessionDep, _: SignedInDep) -> Response:
    """The API's proposals sheet, with a decision column to fill in."""
    content = review.proposals_sheet(session=session, run_id=run_id, sheet_format=SheetFormat.csv)
    return spreadsheet_response(
        content, name=f"match-run-{run_id}-proposals", sheet_format=SheetFormat.csv
    )


@router.get("/{run_id}/unmatched.csv")
def unmatched_csv(run_id: ResourceId, session: SessionDep, _: SignedInDep) -> Response:
    """The API's sheet of the mentees the run left unmatched, with reasons."""
    content = review.unmatched_sheet(session=session, run_id=run_id, sheet_format=SheetFormat.csv)
    return spreadsheet_response(
        content, name=f"match-run-{run_id}-unmatched", sheet_format=SheetFormat.csv
    )
