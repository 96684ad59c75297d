"""Exclusions: pairs that must never be proposed."""

from fastapi import APIRouter, status

from service.api.deps import CoordinatorDep, Limit, Offset, ResourceId, SessionDep
from service.api.links import LinksDep
from service.crud import exclusions as crud
from service.errors import responses
from service.models import ExclusionCreate, ExclusionPublic, ExclusionsPublic

router = APIRouter(prefix="/exclusions", tags=["exclusions"])


@router.get("", response_model=ExclusionsPublic, responses=responses(401, 403))
def list_exclusions(
    session: SessionDep,
    _: CoordinatorDep,
    links: LinksDep,
    mentee_id: ResourceId | None = None,
    mentor_id: ResourceId | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ExclusionsPublic:
    """List exclusions, optionally for one mentee or mentor."""
    data, count = crud.list_page(
        session=session, mentee_id=mentee_id, mentor_id=mentor_id, limit=limit, offset=offset
    )
    links.pages(count=count, limit=limit, offset=offset)
    return ExclusionsPublic(data=data, count=count)


@router.post(
    "",
    response_model=ExclusionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 404, 409, 413),
)
def create_exclusion(
    data: ExclusionCreate, session: SessionDep, _: CoordinatorDep, links: LinksDep
) -> ExclusionPublic:
    """Exclude a mentee-mentor pair from every later run."""
    exclusion = crud.create(session=session, data=data)
    links.created("read_exclusion", exclusion_id=exclusion.id)
    return ExclusionPublic.model_validate(exclusion)


@router.get("/{exclusion_id}", response_model=ExclusionPublic, responses=responses(401, 403, 404))
def read_exclusion(
    exclusion_id: ResourceId, session: SessionDep, _: CoordinatorDep
) -> ExclusionPublic:
    """Read one exclusion."""
    return ExclusionPublic.model_validate(crud.get(session=session, exclusion_id=exclusion_id))


@router.delete(
    "/{exclusion_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403, 404),
)
def delete_exclusion(exclusion_id: ResourceId, session: SessionDep, _: CoordinatorDep) -> None:
    """Lift an exclusion: the pair may be proposed again."""
    crud.delete(session=session, exclusion=crud.get(session=session, exclusion_id=exclusion_id))
