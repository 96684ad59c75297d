"""The audit log: who did what and when, for coordinators."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from service.api.deps import CoordinatorDep, Limit, Offset, SessionDep
from service.api.spreadsheets import FormatQuery, download_responses, spreadsheet_response
from service.crud import audit
from service.errors import responses
from service.models import AuditEventsPublic
from service.models.common import IsoDateTime
from service.spreadsheets import listings
from service.spreadsheets.formats import SheetFormat

router = APIRouter(prefix="/audit-events", tags=["audit"])

Text = Annotated[str | None, Query(max_length=64)]


def audit_filter(
    action: Annotated[
        str | None,
        Query(max_length=64, description="An action, or its start: 'pairing' finds them all."),
    ] = None,
    actor_role: Text = None,
    subject_type: Text = None,
    subject_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    since: Annotated[
        IsoDateTime | None, Query(description="At or after (ISO 8601; UTC without an offset).")
    ] = None,
    until: Annotated[
        IsoDateTime | None, Query(description="Before (ISO 8601; UTC without an offset).")
    ] = None,
) -> audit.AuditFilter:
    return audit.AuditFilter(
        action=action,
        actor_role=actor_role,
        subject_type=subject_type,
        subject_id=subject_id,
        since=since,
        until=until,
    )


FilterDep = Annotated[audit.AuditFilter, Depends(audit_filter)]


@router.get("", response_model=AuditEventsPublic, responses=responses(401, 403))
def list_audit_events(
    session: SessionDep, _: CoordinatorDep, where: FilterDep, limit: Limit = 50, offset: Offset = 0
) -> AuditEventsPublic:
    """What was done, by whom and when, newest first."""
    data, count = audit.list_page(session=session, where=where, limit=limit, offset=offset)
    return AuditEventsPublic(data=data, count=count)


@router.get(
    "/export",
    response_class=Response,
    responses={**responses(401, 403), **download_responses("The events, oldest first.")},
)
def export_audit_events(
    session: SessionDep,
    _: CoordinatorDep,
    where: FilterDep,
    sheet_format: FormatQuery = SheetFormat.csv,
) -> Response:
    """The audit log as CSV or xlsx."""
    content = listings.audit_sheet(session=session, where=where, sheet_format=sheet_format)
    return spreadsheet_response(content, name="audit-log", sheet_format=sheet_format)
