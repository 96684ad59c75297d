"""The controlled vocabularies: read by anyone, extended and retired by coordinators."""

from fastapi import APIRouter, status

from service.api.deps import CoordinatorDep, SessionDep
from service.api.links import LinksDep
from service.crud import taxonomy as crud
from service.errors import ERROR_RESPONSES, responses
from service.models import TaxonomyPublic, TermCreate, TermPublic, TermUpdate, Vocabulary

router = APIRouter(prefix="/taxonomy", tags=["taxonomy"])


@router.get("", response_model=TaxonomyPublic, responses={503: ERROR_RESPONSES[503]})
def read_taxonomy(session: SessionDep) -> TaxonomyPublic:
    """Every vocabulary with its codes, labels and groups."""
    return crud.read(session=session)


@router.post(
    "/{vocabulary}",
    response_model=TermPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 409, 413),
)
def create_term(
    vocabulary: Vocabulary,
    data: TermCreate,
    session: SessionDep,
    _: CoordinatorDep,
    links: LinksDep,
) -> TermPublic:
    """Add a term to a vocabulary (sectors and skills need a group)."""
    term = crud.create(session=session, vocabulary=vocabulary, data=data)
    links.created("read_term", vocabulary=vocabulary.value, code=term.code)
    return term


@router.get("/{vocabulary}/{code}", response_model=TermPublic, responses=responses(404))
def read_term(vocabulary: Vocabulary, code: str, session: SessionDep) -> TermPublic:
    """One term of a vocabulary, retired or not."""
    return crud.read_term(session=session, vocabulary=vocabulary, code=code)


@router.patch(
    "/{vocabulary}/{code}", response_model=TermPublic, responses=responses(400, 401, 403, 404, 413)
)
def update_term(
    vocabulary: Vocabulary, code: str, data: TermUpdate, session: SessionDep, _: CoordinatorDep
) -> TermPublic:
    """Relabel a term, or retire it so that new profiles cannot choose it."""
    return crud.update(session=session, vocabulary=vocabulary, code=code, data=data)


@router.delete(
    "/{vocabulary}/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403, 404, 409),
)
def delete_term(vocabulary: Vocabulary, code: str, session: SessionDep, _: CoordinatorDep) -> None:
    """Delete a term that nothing uses; a term in use can only be retired."""
    crud.delete(session=session, vocabulary=vocabulary, code=code)
