"""Request dependencies: the session, the caller, and the role checks."""

from typing import Annotated

from fastapi import Depends, Path, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.config import Settings, get_settings
from service.crud.profiles import MAX_PAGE_SIZE
from service.db import get_session
from service.errors import Forbidden, Unauthorized
from service.security import Principal, authenticate

# "function" scope: the transaction commits before the response leaves, so a client
# never hears of a write that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="A coordinator's or a participant's token.")


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    if credentials is None:
        return None
    principal = authenticate(session=session, secret=credentials.credentials)
    if principal is None:
        raise Unauthorized("the token is invalid, expired or revoked")
    return principal


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_principal)]


def require_principal(principal: OptionalPrincipalDep) -> Principal:
    if principal is None:
        raise Unauthorized("authentication required: send 'Authorization: Bearer <token>'")
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]


def require_coordinator(principal: PrincipalDep) -> Principal:
    if not principal.is_coordinator:
        raise Forbidden("only a coordinator may do this")
    return principal


CoordinatorDep = Annotated[Principal, Depends(require_coordinator)]

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size, 1-{MAX_PAGE_SIZE}.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")]
SearchText = Annotated[
    str | None, Query(max_length=100, description="Case-insensitive name or organisation search.")
]


def require_registrar(principal: OptionalPrincipalDep, settings: SettingsDep) -> Principal | None:
    """Anyone may register while registration is open; a coordinator may always."""
    if principal is None:
        if not settings.registration_open:
            raise Forbidden("self-registration is closed; ask a programme coordinator")
        return None
    if not principal.is_coordinator:
        raise Forbidden("you already have a profile; manage it through /me")
    return principal


RegistrarDep = Annotated[Principal | None, Depends(require_registrar)]

# Ids are 32-bit integers on every engine; a larger one could only be a 404, so say so early.
ResourceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The resource's id.")]
