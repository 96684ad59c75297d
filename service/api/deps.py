"""Request dependencies: the session, the caller, the role checks, and the input guard."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.clock import Clock, get_clock
from service.config import Settings, get_settings
from service.crud import audit
from service.crud.profiles import MAX_PAGE_SIZE
from service.db import get_session
from service.errors import (
    FieldError,
    Forbidden,
    InvalidInput,
    Unauthorized,
    field_path,
    names_a_fixed_path_with_another_method,
)
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


def _authenticated(principal: OptionalPrincipalDep) -> Principal:
    if principal is None:
        raise Unauthorized("authentication required: send 'Authorization: Bearer <token>'")
    return principal


async def require_principal(
    request: Request, principal: Annotated[Principal, Depends(_authenticated)]
) -> Principal:
    """Anyone with a valid token; their input is checked only once they are known."""
    await check_input(request)
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]


def _coordinator(principal: Annotated[Principal, Depends(_authenticated)]) -> Principal:
    if not principal.is_coordinator:
        raise Forbidden("only a coordinator may do this")
    return principal


async def require_coordinator(
    request: Request, principal: Annotated[Principal, Depends(_coordinator)]
) -> Principal:
    """A coordinator; their input is checked only once they are known."""
    await check_input(request)
    return principal


CoordinatorDep = Annotated[Principal, Depends(require_coordinator)]

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size, 1-{MAX_PAGE_SIZE}.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")]
SearchText = Annotated[
    str | None, Query(max_length=100, description="Case-insensitive name or organisation search.")
]


def _registrar(principal: OptionalPrincipalDep, settings: SettingsDep) -> Principal | None:
    if principal is None:
        if not settings.registration_open:
            raise Forbidden("self-registration is closed; ask a programme coordinator")
        return None
    if not principal.is_coordinator:
        raise Forbidden("you already have a profile; manage it through /me")
    return principal


async def require_registrar(
    request: Request, registrar: Annotated[Principal | None, Depends(_registrar)]
) -> Principal | None:
    """Anyone may register while registration is open; a coordinator may always.

    The OpenAPI document says so: these operations take a token or none
    (``service.api.openapi.allow_anonymous``).
    """
    await check_input(request)
    return registrar


RegistrarDep = Annotated[Principal | None, Depends(require_registrar)]

# Ids are 32-bit integers on every engine; a larger one could only be a 404, so say so early.
ResourceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The resource's id.")]


async def refuse_other_methods_on_fixed_paths(request: Request) -> None:
    """``PATCH /mentors/export`` is a 405 (``/mentors/export`` takes GET), not a bad id."""
    if names_a_fixed_path_with_another_method(request):
        raise HTTPException(405)


NUL = "\x00"
# No request object has more members than this; a body object with more is refused before
# it is validated, which would list (and take time over) every unexpected one.
MAX_MEMBERS = 100

Location = tuple[int | str, ...]


def _problems(value: Any, loc: Location) -> Iterator[tuple[Location, str]]:
    if isinstance(value, str):
        if NUL in value:
            yield loc, "must not contain NUL characters"
    elif isinstance(value, dict):
        if len(value) > MAX_MEMBERS:
            yield loc, f"has {len(value)} members; no request object takes more than {MAX_MEMBERS}"
            return
        for key, item in value.items():
            yield from _problems(key, (*loc, key))
            yield from _problems(item, (*loc, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _problems(item, (*loc, position))


async def check_input(request: Request) -> None:
    """Refuse what no route takes, before validation: NUL characters and huge objects.

    PostgreSQL text cannot hold U+0000, so such a value would fail at the database;
    it is refused up front instead, in any parameter or body, as a 422 naming each
    field. Called by the role checks above, after authentication: an anonymous caller
    learns nothing of a protected route's input rules.
    """
    problems: list[tuple[Location, str]] = [
        (("path", name), "must not contain NUL characters")
        for name, value in request.path_params.items()
        if NUL in str(value)
    ]
    problems += [
        (("query", name), "must not contain NUL characters")
        for name, value in request.query_params.multi_items()
        if NUL in name or NUL in value
    ]
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    # JSON only: spreadsheet uploads (UTF-16 text, xlsx workbooks) hold NUL bytes by
    # nature, and their cells are checked when the file is read.
    if b"\x00" in body and "json" in content_type:
        problems.append((("body",), "must not contain NUL characters"))
    elif body and "json" in content_type:
        try:
            document = await request.json()  # parsed once: FastAPI has read it already
        except ValueError:
            document = None  # FastAPI has refused the body already, or the route reads none
        problems += _problems(document, ("body",))
    if problems:
        raise InvalidInput.for_fields(
            [FieldError(field=field_path(loc), message=message) for loc, message in problems]
        )
