"""Pairings: the coordinator's view, manual pairing, and ending a pairing."""

from fastapi import APIRouter, status

from service.api.deps import CoordinatorDep, Limit, Offset, ResourceId, SessionDep
from service.api.links import LinksDep
from service.crud import pairings as crud
from service.errors import responses
from service.models import (
    PairingCreate,
    PairingEnd,
    PairingPublic,
    PairingsPublic,
    PairingStatus,
    PairingUpdate,
)

router = APIRouter(prefix="/pairings", tags=["pairings"])


@router.get("", response_model=PairingsPublic, responses=responses(401, 403))
def list_pairings(
    session: SessionDep,
    _: CoordinatorDep,
    links: LinksDep,
    status: PairingStatus | None = None,
    mentee_id: ResourceId | None = None,
    mentor_id: ResourceId | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PairingsPublic:
    """List pairings, filtered by status, mentee or mentor."""
    data, count = crud.list_page(
        session=session,
        status=status,
        mentee_id=mentee_id,
        mentor_id=mentor_id,
        limit=limit,
        offset=offset,
    )
    links.pages(count=count, limit=limit, offset=offset)
    return PairingsPublic(data=data, count=count)


@router.post(
    "",
    response_model=PairingPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 409, 413),
)
def create_pairing(
    data: PairingCreate, session: SessionDep, _: CoordinatorDep, links: LinksDep
) -> PairingPublic:
    """Pair a mentee with a mentor by hand, under the same checks as accepting a proposal."""
    pairing = crud.create(session=session, data=data)
    links.created("read_pairing", pairing_id=pairing.id)
    return PairingPublic.model_validate(pairing)


@router.get("/{pairing_id}", response_model=PairingPublic, responses=responses(401, 403, 404))
def read_pairing(pairing_id: ResourceId, session: SessionDep, _: CoordinatorDep) -> PairingPublic:
    """Read one pairing."""
    return PairingPublic.model_validate(crud.get(session=session, pairing_id=pairing_id))


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
    return PairingPublic.model_validate(crud.update(session=session, pairing=pairing, data=data))


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
    return PairingPublic.model_validate(crud.end(session=session, pairing=pairing, data=data))
