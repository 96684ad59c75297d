"""Domain errors, and the one shape every error response takes: RFC 9457 problem details.

    DomainError
    ├── Unauthorized          401  no token, or an invalid, expired or revoked one
    ├── Forbidden             403  authenticated, but this role may not do this
    ├── NotFound              404  no such resource (or not visible to the caller)
    ├── Conflict              409  the request clashes with the current state
    ├── PayloadTooLarge       413  the request body is over the configured limit
    ├── UnsupportedMediaType  415  a body of a kind this operation does not read
    ├── InvalidInput          422  a value is well-formed but not acceptable (unknown code, ...)
    └── ServiceUnavailable    503  the database is unreachable or not migrated (Retry-After)
        └── Busy              503  every place is taken, or the database is locked (Retry-After)

Every error answer is ``application/problem+json``::

    {"type": "about:blank", "title": "Conflict", "status": 409,
     "detail": "1 of 1 cannot be paired now; nothing was changed",
     "code": "conflict", "errors": [{"field": "body", "message": "mentor 3 is at capacity"}]}

``type`` is ``about:blank`` (the status says what kind of problem it is) and ``title``
the status's reason phrase; ``code`` is the stable, machine-readable kind and
``errors`` names each field at fault. A long list of field errors is cut at
``MAX_LISTED_ERRORS``, and ``errors_not_listed`` says how many more there were.

Rendered here, besides the domain errors: FastAPI's request validation errors (422);
Starlette's HTTP errors (404 for no route, 405 with every allowed method in
``Allow``, FastAPI's 400 for a JSON body that is not UTF-8); database errors that
mean "not now" (unreachable, every pooled connection taken, SQLite locked: 503
with ``Retry-After``); and, through ``problem_message``, the answers of the pure
ASGI guards in ``service.limits`` (413, 503) and of ``service.observability`` for
an unexpected error (500, with the request id and nothing else).
"""

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

logger = logging.getLogger("mentormatch.errors")

PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_LISTED_ERRORS = 50
# Field errors repeated in ``detail``: enough to read, short enough for a log or a banner.
MAX_SUMMARISED_ERRORS = 10
RETRY_BUSY_SECONDS = 2
RETRY_UNAVAILABLE_SECONDS = 5


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error answer (RFC 9457), with the field errors a client can show beside each field."""

    type: str = Field(default="about:blank", description="The problem type; about:blank here.")
    title: str = Field(description="The status's reason phrase.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong, in words a person can act on.")
    code: str = Field(description="A stable, machine-readable kind: conflict, invalid, ...")
    errors: list[FieldError] = Field(default=[], description="Each field at fault, and why.")
    errors_not_listed: int | None = Field(
        default=None, description="How many more field errors there were than are listed."
    )


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "error"

    def __init__(self, detail: str, *, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)

    @property
    def headers(self) -> dict[str, str]:
        return {}


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"
    retry_after: ClassVar[int] = RETRY_UNAVAILABLE_SECONDS

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Busy(ServiceUnavailable):
    code = "busy"
    retry_after = RETRY_BUSY_SECONDS


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"

    def __init__(
        self, detail: str, *, errors: Sequence[FieldError] = (), not_listed: int = 0
    ) -> None:
        super().__init__(detail, errors=errors)
        self.not_listed = not_listed

    @classmethod
    def for_fields(
        cls, errors: Sequence[FieldError], *, total: int | None = None
    ) -> "InvalidInput":
        """Name each field at fault; ``total`` counts errors beyond those given, if any."""
        total = len(errors) if total is None else total
        listed = list(errors[:MAX_LISTED_ERRORS])
        summary = "; ".join(
            f"{error.field}: {error.message}" for error in listed[:MAX_SUMMARISED_ERRORS]
        )
        if total > MAX_SUMMARISED_ERRORS:
            summary += f"; and {total - MAX_SUMMARISED_ERRORS} more"
        return cls(f"invalid input: {summary}", errors=listed, not_listed=total - len(listed))


def field_path(loc: Sequence[int | str]) -> str:
    """Render a pydantic location as a field path: ``needs[0].priority``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def problem(
    status: int,
    detail: str,
    code: str,
    errors: Sequence[FieldError] = (),
    not_listed: int = 0,
) -> Problem:
    return Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=code,
        errors=list(errors),
        errors_not_listed=not_listed or None,
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_CONTENT_TYPE


def _respond(body: Problem, headers: dict[str, str] | None = None) -> ProblemResponse:
    return ProblemResponse(
        status_code=body.status, content=body.model_dump(exclude_none=True), headers=headers
    )


def problem_message(
    status: int, detail: str, code: str, headers: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two ASGI messages of a problem answer, for middleware that answers by itself."""
    content = json.dumps(problem(status, detail, code).model_dump(exclude_none=True)).encode()
    raw_headers = [
        (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
        (b"content-length", str(len(content)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    start = {"type": "http.response.start", "status": status, "headers": raw_headers}
    return start, {"type": "http.response.body", "body": content}


def render(exc: DomainError) -> ProblemResponse:
    not_listed = exc.not_listed if isinstance(exc, InvalidInput) else 0
    body = problem(exc.status_code, exc.detail, exc.code, exc.errors, not_listed)
    return _respond(body, exc.headers or None)


def validation_errors(raw_errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic's errors as field errors, in the words every response uses."""
    errors = []
    for error in raw_errors[:MAX_LISTED_ERRORS]:
        message = str(error.get("msg", "invalid value"))
        # Pydantic's "Value error, ..." prefix adds nothing for an API client.
        message = message.removeprefix("Value error, ")
        errors.append(FieldError(field=field_path(error.get("loc", ())), message=message))
    return errors


@dataclass(frozen=True)
class _RouteAt:
    methods: frozenset[str]
    fixed: bool  # the path has no parameters


def _routes_at(request: Request) -> list[_RouteAt]:
    """The routes whose path matches the request's, whatever their methods.

    A path without parameters that matches exactly (``/mentors/export``) is the one the
    client named, even though ``/mentors/{mentor_id}`` matches it too.
    """
    matching = [
        _RouteAt(frozenset(route.methods or ()), not route.param_convertors)
        for route in iter_route_contexts(request.app.routes)
        if route.methods and route.path_regex.match(request.url.path)
    ]
    fixed = [route for route in matching if route.fixed]
    return fixed or matching


def allowed_methods(request: Request) -> list[str]:
    """Every method the path named by the request takes (for a 405's ``Allow``)."""
    return sorted({method for route in _routes_at(request) for method in route.methods})


def names_a_fixed_path_with_another_method(request: Request) -> bool:
    """Whether the request reached a route with parameters through another route's fixed path.

    ``PATCH /mentors/export`` reaches ``PATCH /mentors/{mentor_id}`` with the id "export";
    but the client named ``/mentors/export``, which takes GET only: a 405, not a 422.
    """
    route = request.scope.get("route")
    if not isinstance(route, Route) or not route.param_convertors:
        return False
    return any(other.fixed for other in _routes_at(request))


def _method_not_allowed(request: Request, methods: Sequence[str]) -> ProblemResponse:
    detail = f"{request.method} is not allowed here; allowed: {', '.join(methods)}"
    body = problem(405, detail, "method_not_allowed")
    return _respond(body, {"Allow": ", ".join(methods)})


def _database_unavailable(exc: Exception) -> DomainError:
    original = getattr(exc, "orig", None)
    # The class says enough for an operator; the message may quote row values.
    logger.warning(
        "database error answered with 503", extra={"error": type(original or exc).__name__}
    )
    if isinstance(exc, PoolTimeout):
        return Busy("every database connection is in use; try again shortly")
    if isinstance(original, sqlite3.OperationalError) and "locked" in str(original):
        return Busy("the database is busy with another change; try again shortly")
    if isinstance(
        original,
        psycopg.errors.DeadlockDetected
        | psycopg.errors.SerializationFailure
        | psycopg.errors.LockNotAvailable,
    ):
        return Busy("the database could not finish this change now; try again shortly")
    return ServiceUnavailable("the database is unavailable; try again shortly")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> ProblemResponse:
        return render(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        raw = exc.errors()
        return render(InvalidInput.for_fields(validation_errors(raw), total=len(raw)))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        if exc.status_code == 405:
            return _method_not_allowed(request, allowed_methods(request))
        code = {404: "not_found", 413: "payload_too_large"}.get(exc.status_code, "http_error")
        body = problem(exc.status_code, str(exc.detail), code)
        return _respond(body, dict(exc.headers) if exc.headers else None)

    async def _database_error(_request: Request, exc: Exception) -> ProblemResponse:
        return render(_database_unavailable(exc))

    for database_error in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(database_error, _database_error)


def problem_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """An error answer in the OpenAPI document, for ``responses=``."""
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_response("The request body is not UTF-8 text."),
    401: problem_response("Missing, invalid, expired or revoked token."),
    403: problem_response("This role may not do this."),
    404: problem_response("No such resource."),
    409: problem_response("Clashes with the current state."),
    413: problem_response("The request body or file is too large."),
    415: problem_response("The body is not of a kind this operation reads."),
    422: problem_response("Invalid input; each error names its field."),
    503: problem_response(
        "Busy (every place taken) or the database is unavailable; retry after Retry-After.",
        RETRY_AFTER_HEADER,
    ),
}


def responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of an operation, for its OpenAPI description."""
    return {code: ERROR_RESPONSES[code] for code in (*status_codes, 422, 503)}
