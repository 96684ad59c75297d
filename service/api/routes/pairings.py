"""Pairings: the coordinator's view, manual pairing, and ending a pairing."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from service.api.deps import CoordinatorDep, Limit, Offset, ResourceId, SessionDep
from service.api.links import LinksDep
from service.api.spreadsheets import FormatQuery, download_responses, spreadsheet_response
from service.crud import pairings as crud
from service.errors import responses
from service.matchmaking import eligibility
from service.models import (
    Fit,
    Pairing,
    PairingCreate,
    PairingEnd,
    PairingPublic,
    PairingsPublic,
    PairingStatus,
    PairingUpdate,
)
from service.models.common import IsoDate
from service.spreadsheets import listings
from service.spreadsheets.formats import SheetFormat

router = APIRouter(prefix="/pairings", tags=["pairings"])

PersonFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="A person's id.")]


def pairing_filter(
    status: PairingStatus | None = None,
    mentee_id: PersonFilter = None,
    mentor_id: PersonFilter = None,
    fit: Annotated[
        Fit | None, Query(description="Either person's latest answer to 'how does it fit?'.")
    ] = None,
    planned_end_before: Annotated[
        IsoDate | None, Query(description="Planned to end on or before this date.")
    ] = None,
    planned_end_after: Annotated[
        IsoDate | None, Query(description="Planned to end on or after this date.")
    ] = None,
) -> crud.PairingFilter:
    return crud.PairingFilter(
        status=status,
        mentee_id=mentee_id,
        mentor_id=mentor_id,
        fit=fit,
        planned_end_before=planned_end_before,
        planned_end_after=planned_end_after,
    )


FilterDep = Annotated[crud.PairingFilter, Depends(pairing_filter)]


@router.get("", response_model=PairingsPublic, responses=responses(401, 403))
def list_pairings(
    session: SessionDep,
    _: CoordinatorDep,
    links: LinksDep,
    where: FilterDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PairingsPublic:
    """List pairings with both people's names, filtered by status, person, fit or planned end."""
    data, count = crud.list_page(session=session, where=where, limit=limit, offset=offset)
    links.pages(count=count, limit=limit, offset=offset)
    return PairingsPublic(data=data, count=count)


@router.get(
    "/export",
    response_class=Response,
    responses={**responses(401, 403), **download_responses("The pairings, one per row.")},
)
def export_pairings(
    session: SessionDep,
    _: CoordinatorDep,
    where: FilterDep,
    sheet_format: FormatQuery = SheetFormat.csv,
) -> Response:
    """The pairings a filter selects, as CSV or xlsx, with both people's names."""
    content = listings.pairings_sheet(session=session, where=where, sheet_format=sheet_format)
    return spreadsheet_response(content, name="pairings", sheet_format=sheet_format)


def _public(session: SessionDep, pairing: Pairing) -> PairingPublic:
    (public,) = crud.to_public(session=session, rows=[pairing])
    return public


@router.post(
    "",
    response_model=PairingPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 409, 413),
)
def create_pairing(
    data: PairingCreate, session: SessionDep, _: CoordinatorDep, links: LinksDep
) -> PairingPublic:
    """Pair a mentee with a mentor by hand, under a run's rules; override soft conflicts."""
    pairing = eligibility.create_pairing(session=session, data=data)
    links.created("read_pairing", pairing_id=pairing.id)
    return _public(session, pairing)


@router.get("/{pairing_id}", response_model=PairingPublic, responses=responses(401, 403, 404))
def read_pairing(pairing_id: ResourceId, session: SessionDep, _: CoordinatorDep) -> PairingPublic:
    """Read one pairing."""
    return _public(session, crud.get(session=session, pairing_id=pairing_id))


@router.patch(
    "/{pairing_id}",
    response_model=PairingPublic,
    responses=responses(400, 401, 403, 404, 413),
)
def update_pairing(
    pairing_id: ResourceId, data: PairingUpdate, session: SessionDep, _: CoordinatorDep
) -> PairingPublic:
    """Set the planned end date."""
    pairing = crud.get(session=session, pairing_id=pairing_id)
    return _public(session, crud.update(session=session, pairing=pairing, data=data))


@router.post(
    "/{pairing_id}/end",
    response_model=PairingPublic,
    responses=responses(400, 401, 403, 404, 409, 413),
)
def end_pairing(
    pairing_id: ResourceId, data: PairingEnd, session: SessionDep, _: CoordinatorDep
) -> PairingPublic:
    """End a pairing as completed or ended early; an early end returns the mentee to waiting."""
    pairing = crud.get(session=session, pairing_id=pairing_id)
    return _public(session, crud.end(session=session, pairing=pairing, data=data))
