"""Request dependencies: the session, the caller, the role checks, and the input guard."""

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.clock import Clock, get_clock
from service.config import Settings, get_settings
from service.crud import audit
from service.crud.profiles import MAX_PAGE_SIZE
from service.db import get_session
from service.errors import FieldError, Forbidden, InvalidInput, Unauthorized, field_path
from service.security import Principal, authenticate

# "function" scope: the transaction commits before the response leaves, so a client
# never hears of a write that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]

_bearer = HTTPBearer(auto_error=False, description="A coordinator's or a participant's token.")


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    if credentials is None:
        audit.act_as(session, audit.ANONYMOUS)
        return None
    principal = authenticate(session=session, secret=credentials.credentials)
    if principal is None:
        raise Unauthorized("the token is invalid, expired or revoked")
    audit.act_as(session, principal.actor)
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


NUL = "\x00"


def _nul_locations(value: Any, loc: tuple[int | str, ...]) -> Iterator[tuple[int | str, ...]]:
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_locations(key, (*loc, key))
            yield from _nul_locations(item, (*loc, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _nul_locations(item, (*loc, position))


async def refuse_nul_characters(request: Request) -> None:
    """Refuse text holding a NUL character, in any parameter or body: no database stores one.

    PostgreSQL text cannot hold U+0000, so such a value would fail at the database;
    it is refused up front instead, as a 422 naming each field.
    """
    locations: list[tuple[int | str, ...]] = [
        ("path", name) for name, value in request.path_params.items() if NUL in str(value)
    ]
    locations += [
        ("query", name)
        for name, value in request.query_params.multi_items()
        if NUL in name or NUL in value
    ]
    body = await request.body()
    # Only JSON is checked here: spreadsheet uploads (UTF-16 text, xlsx workbooks) hold
    # NUL bytes by nature, and their cells are checked when the file is read.
    if body and "json" in request.headers.get("content-type", ""):
        try:
            document = json.loads(body)
        except ValueError:
            document = None  # FastAPI has refused the body already, or the route reads none
        locations += _nul_locations(document, ("body",))
    if locations:
        message = "must not contain NUL characters"
        raise InvalidInput.for_fields(
            [FieldError(field=field_path(loc), message=message) for loc in locations]
        )
