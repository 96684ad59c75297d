"""Mentees: self-registration, and the coordinator's register of them."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import JSONResponse

from service.api import preconditions, ratelimit
from service.api.deps import (
    ClockDep,
    CoordinatorDep,
    Limit,
    Offset,
    RegistrarDep,
    ResourceId,
    SearchText,
    SessionDep,
    SettingsDep,
)
from service.api.links import LinksDep
from service.api.spreadsheets import (
    UPLOAD_DOCUMENTATION,
    AccessToken,
    DryRun,
    FormatQuery,
    ImportSummary,
    Upload,
    download_responses,
    read_upload,
    spreadsheet_response,
)
from service.crud import mentees as crud
from service.crud import registrations
from service.crud.privacy import erase_mentee
from service.errors import responses
from service.matchmaking import suggestions
from service.models import (
    MenteeCreate,
    MenteePublic,
    MenteeRegistered,
    MenteesPublic,
    MenteeStatus,
    MenteeUpdate,
    RegistrationReceived,
    Role,
    SuggestionsPublic,
)
from service.security import issue_token, replace_participant_token
from service.spreadsheets import formats, registers

router = APIRouter(prefix="/mentees", tags=["mentees"])

CodeFilter = Annotated[str | None, Query(max_length=64)]


@router.post(
    "",
    response_model=MenteeRegistered,
    status_code=status.HTTP_201_CREATED,
    responses={
        202: {
            "model": RegistrationReceived,
            "description": "Anonymous registration received: the same answer for every "
            "address; the address's owner hears more by email.",
        },
        **responses(400, 401, 403, 409, 413),
        **ratelimit.RESPONSES,
    },
    dependencies=[ratelimit.RateLimit],
)
def create_mentee(
    data: MenteeCreate,
    session: SessionDep,
    registrar: RegistrarDep,
    links: LinksDep,
    clock: ClockDep,
) -> MenteeRegistered | JSONResponse:
    """Register a mentee: a coordinator gets the profile and its token (201) at once.

    Anyone else gets 202 and an email: a link to confirm the address (or, for an
    address already registered, a note to its owner); the profile then waits as
    pending until confirmed and, with vetting on, approved. Anonymous registrations
    are rate-limited per client address (429 with Retry-After).
    """
    if registrar is None:
        registrations.register(session=session, data=data, now=clock.now())
        received = RegistrationReceived(detail=registrations.RECEIVED)
        return JSONResponse(received.model_dump(), status_code=status.HTTP_202_ACCEPTED)
    mentee = crud.create(session=session, data=data)
    links.created("read_mentee", mentee_id=mentee.id)
    _, secret = issue_token(session=session, role=Role.mentee, mentee_id=mentee.id)
    return MenteeRegistered(mentee=crud.to_public(mentee), token=secret)


@router.post(
    "/{mentee_id}/approve",
    response_model=MenteePublic,
    responses=responses(401, 403, 404, 409),
)
def approve_mentee(mentee_id: ResourceId, session: SessionDep, _: CoordinatorDep) -> MenteePublic:
    """Let a pending, self-registered mentee (address confirmed) into the match runs."""
    mentee = crud.get(session=session, mentee_id=mentee_id)
    registrations.approve(session=session, person=mentee)
    return crud.to_public(mentee)


@router.get("", response_model=MenteesPublic, responses=responses(401, 403))
def list_mentees(
    session: SessionDep,
    _: CoordinatorDep,
    links: LinksDep,
    sector: CodeFilter = None,
    skill: CodeFilter = None,
    region: CodeFilter = None,
    stage: CodeFilter = None,
    status: MenteeStatus | None = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MenteesPublic:
    """List mentees, filtered and paginated, in registration order."""
    data, count = crud.list_page(
        session=session,
        sector=sector,
        skill=skill,
        region=region,
        stage=stage,
        status=status,
        q=q,
        limit=limit,
        offset=offset,
    )
    links.pages(count=count, limit=limit, offset=offset)
    return MenteesPublic(data=data, count=count)


@router.get(
    "/export",
    response_class=Response,
    responses={**responses(401, 403), **download_responses("Every mentee, one per row.")},
)
def export_mentees(
    session: SessionDep, _: CoordinatorDep, sheet_format: FormatQuery = formats.SheetFormat.csv
) -> Response:
    """Every mentee as a spreadsheet (CSV or xlsx; lists separated by ';')."""
    content = registers.export(
        session=session, register=registers.MENTEES, sheet_format=sheet_format
    )
    return spreadsheet_response(content, name="mentees", sheet_format=sheet_format)


@router.post(
    "/import",
    response_model=ImportSummary,
    responses=responses(400, 401, 403, 413, 415),
    openapi_extra=UPLOAD_DOCUMENTATION,
)
def import_mentees(
    session: SessionDep,
    settings: SettingsDep,
    _: CoordinatorDep,
    upload: Annotated[Upload, Depends(read_upload)],
    dry_run: DryRun = False,
) -> ImportSummary:
    """Create or update mentees from a spreadsheet: every row or none; errors name their row."""
    table = formats.read_table(
        upload.content,
        sheet_format=upload.sheet_format,
        max_rows=settings.max_csv_rows,
        max_bytes=settings.max_csv_bytes,
    )
    result = registers.import_table(
        session=session, register=registers.MENTEES, table=table, dry_run=dry_run
    )
    return ImportSummary(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        ids=result.ids,
        dry_run=dry_run,
    )


@router.post(
    "/{mentee_id}/access-token",
    response_model=AccessToken,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404),
)
def issue_mentee_token(
    mentee_id: ResourceId, session: SessionDep, _: CoordinatorDep
) -> AccessToken:
    """Give a mentee a new personal token (for imported profiles); older ones stop working."""
    mentee = crud.get(session=session, mentee_id=mentee_id)
    return AccessToken(token=replace_participant_token(session=session, mentee_id=mentee.id))


@router.get("/{mentee_id}", response_model=MenteePublic, responses=responses(401, 403, 404))
def read_mentee(
    mentee_id: ResourceId, session: SessionDep, _: CoordinatorDep, response: Response
) -> MenteePublic:
    """Read one mentee; the ETag header identifies this version, for If-Match on a change."""
    return preconditions.tagged(
        response, crud.to_public(crud.get(session=session, mentee_id=mentee_id))
    )


@router.get(
    "/{mentee_id}/suggestions",
    response_model=SuggestionsPublic,
    responses=responses(401, 403, 404),
)
def suggest_mentors(
    mentee_id: ResourceId,
    session: SessionDep,
    _: CoordinatorDep,
    limit: Annotated[int, Query(ge=1, le=10_000, description="How many, 1-10000.")] = 10,
    min_score: Annotated[float, Query(ge=0, le=1)] = 0.0,
) -> SuggestionsPublic:
    """The best eligible mentors for this mentee, with scores and reasons, for pairing by hand."""
    return suggestions.suggestions(
        session=session, mentee_id=mentee_id, limit=limit, min_score=min_score
    )


@router.patch(
    "/{mentee_id}",
    response_model=MenteePublic,
    responses={**responses(400, 401, 403, 404, 409, 413), **preconditions.RESPONSES},
)
def update_mentee(
    mentee_id: ResourceId,
    data: MenteeUpdate,
    session: SessionDep,
    _: CoordinatorDep,
    response: Response,
    if_match: preconditions.IfMatch = None,
) -> MenteePublic:
    """Change some fields of a mentee, status included; If-Match makes it conditional."""
    preconditions.hold(session=session, if_match=if_match, mentee_id=mentee_id)
    mentee = crud.get(session=session, mentee_id=mentee_id)
    preconditions.check(if_match, crud.to_public(mentee))
    return preconditions.tagged(
        response, crud.to_public(crud.update(session=session, mentee=mentee, data=data))
    )


@router.delete(
    "/{mentee_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401, 403, 404)
)
def delete_mentee(mentee_id: ResourceId, session: SessionDep, _: CoordinatorDep) -> None:
    """Delete a mentee and their tokens."""
    erase_mentee(session=session, mentee=crud.get(session=session, mentee_id=mentee_id))
