"""Mentors: self-registration, and the coordinator's register of them."""

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
from service.crud import mentors as crud
from service.crud import registrations
from service.crud.privacy import erase_mentor
from service.errors import responses
from service.models import (
    MentorCreate,
    MentorPublic,
    MentorRegistered,
    MentorsPublic,
    MentorStatus,
    MentorUpdate,
    RegistrationReceived,
    Role,
)
from service.security import issue_token, replace_participant_token
from service.spreadsheets import formats, registers

router = APIRouter(prefix="/mentors", tags=["mentors"])

CodeFilter = Annotated[str | None, Query(max_length=64)]


@router.post(
    "",
    response_model=MentorRegistered,
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
def create_mentor(
    data: MentorCreate,
    session: SessionDep,
    registrar: RegistrarDep,
    links: LinksDep,
    clock: ClockDep,
) -> MentorRegistered | JSONResponse:
    """Register a mentor: a coordinator gets the profile and its token (201) at once.

    Anyone else gets 202 and an email: a link to confirm the address (or, for an
    address already registered, a note to its owner); the profile then waits as
    pending until confirmed and, with vetting on, approved. Anonymous registrations
    are rate-limited per client address (429 with Retry-After).
    """
    if registrar is None:
        registrations.register(session=session, data=data, now=clock.now())
        received = RegistrationReceived(detail=registrations.RECEIVED)
        return JSONResponse(received.model_dump(), status_code=status.HTTP_202_ACCEPTED)
    mentor = crud.create(session=session, data=data)
    links.created("read_mentor", mentor_id=mentor.id)
    _, secret = issue_token(session=session, role=Role.mentor, mentor_id=mentor.id)
    return MentorRegistered(mentor=crud.to_public(mentor), token=secret)


@router.post(
    "/{mentor_id}/approve",
    response_model=MentorPublic,
    responses=responses(401, 403, 404, 409),
)
def approve_mentor(mentor_id: ResourceId, session: SessionDep, _: CoordinatorDep) -> MentorPublic:
    """Let a pending, self-registered mentor (address confirmed) into the match runs."""
    mentor = crud.get(session=session, mentor_id=mentor_id)
    registrations.approve(session=session, person=mentor)
    return crud.to_public(mentor)


@router.get("", response_model=MentorsPublic, responses=responses(401, 403))
def list_mentors(
    session: SessionDep,
    _: CoordinatorDep,
    links: LinksDep,
    sector: CodeFilter = None,
    skill: CodeFilter = None,
    region: CodeFilter = None,
    kind: CodeFilter = None,
    status: MentorStatus | None = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MentorsPublic:
    """List mentors, filtered and paginated, in registration order."""
    data, count = crud.list_page(
        session=session,
        sector=sector,
        skill=skill,
        region=region,
        kind=kind,
        status=status,
        q=q,
        limit=limit,
        offset=offset,
    )
    links.pages(count=count, limit=limit, offset=offset)
    return MentorsPublic(data=data, count=count)


@router.get(
    "/export",
    response_class=Response,
    responses={**responses(401, 403), **download_responses("Every mentor, one per row.")},
)
def export_mentors(
    session: SessionDep, _: CoordinatorDep, sheet_format: FormatQuery = formats.SheetFormat.csv
) -> Response:
    """Every mentor as a spreadsheet (CSV or xlsx; lists separated by ';')."""
    content = registers.export(
        session=session, register=registers.MENTORS, sheet_format=sheet_format
    )
    return spreadsheet_response(content, name="mentors", sheet_format=sheet_format)


@router.post(
    "/import",
    response_model=ImportSummary,
    responses=responses(400, 401, 403, 413, 415),
    openapi_extra=UPLOAD_DOCUMENTATION,
)
def import_mentors(
    session: SessionDep,
    settings: SettingsDep,
    _: CoordinatorDep,
    upload: Annotated[Upload, Depends(read_upload)],
    dry_run: DryRun = False,
) -> ImportSummary:
    """Create or update mentors from a spreadsheet: every row or none; errors name their row."""
    table = formats.read_table(
        upload.content,
        sheet_format=upload.sheet_format,
        max_rows=settings.max_csv_rows,
        max_bytes=settings.max_csv_bytes,
    )
    result = registers.import_table(
        session=session, register=registers.MENTORS, table=table, dry_run=dry_run
    )
    return ImportSummary(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        ids=result.ids,
        dry_run=dry_run,
    )


@router.post(
    "/{mentor_id}/access-token",
    response_model=AccessToken,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404),
)
def issue_mentor_token(
    mentor_id: ResourceId, session: SessionDep, _: CoordinatorDep
) -> AccessToken:
    """Give a mentor a new personal token (for imported profiles); older ones stop working."""
    mentor = crud.get(session=session, mentor_id=mentor_id)
    return AccessToken(token=replace_participant_token(session=session, mentor_id=mentor.id))


@router.get("/{mentor_id}", response_model=MentorPublic, responses=responses(401, 403, 404))
def read_mentor(
    mentor_id: ResourceId, session: SessionDep, _: CoordinatorDep, response: Response
) -> MentorPublic:
    """Read one mentor; the ETag header identifies this version, for If-Match on a change."""
    return preconditions.tagged(
        response, crud.to_public(crud.get(session=session, mentor_id=mentor_id))
    )


@router.patch(
    "/{mentor_id}",
    response_model=MentorPublic,
    responses={**responses(400, 401, 403, 404, 409, 413), **preconditions.RESPONSES},
)
def update_mentor(
    mentor_id: ResourceId,
    data: MentorUpdate,
    session: SessionDep,
    _: CoordinatorDep,
    response: Response,
    if_match: preconditions.IfMatch = None,
) -> MentorPublic:
    """Change some fields of a mentor, status included; If-Match makes it conditional."""
    preconditions.hold(session=session, if_match=if_match, mentor_id=mentor_id)
    mentor = crud.get(session=session, mentor_id=mentor_id)
    preconditions.check(if_match, crud.to_public(mentor))
    return preconditions.tagged(
        response, crud.to_public(crud.update(session=session, mentor=mentor, data=data))
    )


@router.delete(
    "/{mentor_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401, 403, 404)
)
def delete_mentor(mentor_id: ResourceId, session: SessionDep, _: CoordinatorDep) -> None:
    """Delete a mentor and their tokens."""
    erase_mentor(session=session, mentor=crud.get(session=session, mentor_id=mentor_id))
