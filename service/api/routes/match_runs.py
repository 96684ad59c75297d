"""Match runs: trigger, review, and decide on the proposed pairings."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from service.api.deps import CoordinatorDep, Limit, Offset, ResourceId, SessionDep, SettingsDep
from service.api.links import LinksDep
from service.api.spreadsheets import (
    UPLOAD_DOCUMENTATION,
    Upload,
    download_responses,
    read_upload,
    spreadsheet_response,
)
from service.errors import responses
from service.matchmaking import decisions, review, runs
from service.models import (
    AcceptRequest,
    AcceptResult,
    DecisionsSummary,
    MatchRunCreate,
    MatchRunPublic,
    MatchRunsPublic,
    ProposalPublic,
    ProposalsPublic,
    ProposalStatus,
    RejectRequest,
    UnmatchedListPublic,
)
from service.spreadsheets.formats import SheetFormat, read_table

router = APIRouter(prefix="/match-runs", tags=["match runs"])


@router.post(
    "",
    response_model=MatchRunPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 413),
)
def create_match_run(
    data: MatchRunCreate,
    session: SessionDep,
    settings: SettingsDep,
    coordinator: CoordinatorDep,
    links: LinksDep,
) -> MatchRunPublic:
    """Propose pairings for the waiting mentees and store the run with its proposals."""
    run = runs.trigger(
        session=session,
        data=data,
        triggered_by=coordinator.name,
        max_pairs=settings.max_run_pairs,
    )
    links.created("read_match_run", run_id=run.id)
    return runs.to_public(run)


@router.get("", response_model=MatchRunsPublic, responses=responses(401, 403))
def list_match_runs(
    session: SessionDep, _: CoordinatorDep, links: LinksDep, limit: Limit = 50, offset: Offset = 0
) -> MatchRunsPublic:
    """List match runs, oldest first."""
    data, count = runs.list_page(session=session, limit=limit, offset=offset)
    links.pages(count=count, limit=limit, offset=offset)
    return MatchRunsPublic(data=data, count=count)


@router.get("/{run_id}", response_model=MatchRunPublic, responses=responses(401, 403, 404))
def read_match_run(run_id: ResourceId, session: SessionDep, _: CoordinatorDep) -> MatchRunPublic:
    """Read one run's parameters and statistics."""
    return runs.to_public(runs.get(session=session, run_id=run_id))


@router.get(
    "/{run_id}/proposals", response_model=ProposalsPublic, responses=responses(401, 403, 404)
)
def list_proposals(
    run_id: ResourceId,
    session: SessionDep,
    _: CoordinatorDep,
    links: LinksDep,
    status: ProposalStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ProposalsPublic:
    """A run's proposals with scores, components, reasons and runners-up."""
    data, count = runs.proposals_page(
        session=session, run_id=run_id, status=status, limit=limit, offset=offset
    )
    links.pages(count=count, limit=limit, offset=offset)
    return ProposalsPublic(data=data, count=count)


@router.get(
    "/{run_id}/unmatched",
    response_model=UnmatchedListPublic,
    responses=responses(401, 403, 404),
)
def list_unmatched(
    run_id: ResourceId,
    session: SessionDep,
    _: CoordinatorDep,
    links: LinksDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> UnmatchedListPublic:
    """The mentees a run left unmatched, each with the reason."""
    data, count = runs.unmatched_page(session=session, run_id=run_id, limit=limit, offset=offset)
    links.pages(count=count, limit=limit, offset=offset)
    return UnmatchedListPublic(data=data, count=count)


@router.get(
    "/{run_id}/proposals.{sheet_format}",
    response_class=Response,
    responses={
        **responses(401, 403, 404),
        **download_responses("The proposals, with a decision column to fill in."),
    },
)
def export_proposals(
    run_id: ResourceId, sheet_format: SheetFormat, session: SessionDep, _: CoordinatorDep
) -> Response:
    """A run's proposals as CSV or xlsx, with a decision column to fill in and upload back."""
    content = review.proposals_sheet(session=session, run_id=run_id, sheet_format=sheet_format)
    return spreadsheet_response(
        content, name=f"match-run-{run_id}-proposals", sheet_format=sheet_format
    )


@router.get(
    "/{run_id}/unmatched.{sheet_format}",
    response_class=Response,
    responses={**responses(401, 403, 404), **download_responses("The unmatched mentees.")},
)
def export_unmatched(
    run_id: ResourceId, sheet_format: SheetFormat, session: SessionDep, _: CoordinatorDep
) -> Response:
    """A run's unmatched mentees and their reasons as CSV or xlsx."""
    content = review.unmatched_sheet(session=session, run_id=run_id, sheet_format=sheet_format)
    return spreadsheet_response(
        content, name=f"match-run-{run_id}-unmatched", sheet_format=sheet_format
    )


@router.post(
    "/{run_id}/decisions",
    response_model=DecisionsSummary,
    responses=responses(400, 401, 403, 404, 409, 413, 415),
    openapi_extra=UPLOAD_DOCUMENTATION,
)
def decide_from_file(
    run_id: ResourceId,
    session: SessionDep,
    settings: SettingsDep,
    _: CoordinatorDep,
    upload: Annotated[Upload, Depends(read_upload)],
) -> DecisionsSummary:
    """Apply the decisions of a filled-in proposals file: all of them, or none."""
    table = read_table(
        upload.content,
        sheet_format=upload.sheet_format,
        max_rows=settings.max_csv_rows,
        max_bytes=settings.max_csv_bytes,
    )
    return review.decide_from_table(session=session, run_id=run_id, table=table)


@router.post(
    "/{run_id}/accept",
    response_model=AcceptResult,
    responses=responses(400, 401, 403, 404, 409, 413),
)
def accept_proposals(
    run_id: ResourceId, data: AcceptRequest, session: SessionDep, _: CoordinatorDep
) -> AcceptResult:
    """Accept the listed proposals (or all open ones): all or none, or every one still possible."""
    return decisions.accept(
        session=session, run_id=run_id, proposal_ids=data.proposal_ids, mode=data.mode
    )


@router.post(
    "/{run_id}/proposals/{proposal_id}/reject",
    response_model=ProposalPublic,
    responses=responses(400, 401, 403, 404, 409, 413),
)
def reject_proposal(
    run_id: ResourceId,
    proposal_id: ResourceId,
    data: RejectRequest,
    session: SessionDep,
    _: CoordinatorDep,
) -> ProposalPublic:
    """Reject a proposal; the pair is never proposed again."""
    return decisions.reject(
        session=session, run_id=run_id, proposal_id=proposal_id, reason=data.reason
    )
