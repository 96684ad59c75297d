"""Domain errors and the one JSON shape every error response takes.

    DomainError
    ├── Unauthorized   401  no token, or an invalid, expired or revoked one
    ├── Forbidden      403  authenticated, but this role may not do this
    ├── NotFound       404  no such resource (or not visible to the caller)
    ├── Conflict       409  the request clashes with the current state
    ├── PayloadTooLarge 413 the request body is over the configured limit
    ├── UnsupportedMediaType 415 a body of a kind this operation does not read
    ├── InvalidInput   422  a value is well-formed but not acceptable (unknown code, ...)
    └── ServiceUnavailable 503 not ready: the database is unreachable or not migrated

Request validation errors from FastAPI and HTTP errors from Starlette are
rendered in the same shape: ``{"detail": str, "code": str, "errors": [...]}``;
among the latter, FastAPI's 400 for a JSON body that is not UTF-8 (a body that is
UTF-8 but not JSON is a 422), and the body-size guard's 413 (``service.limits``).
"""

from collections.abc import Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    detail: str
    code: str
    errors: list[FieldError] = []


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "error"

    def __init__(self, detail: str, *, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


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


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"

    @classmethod
    def for_fields(cls, errors: Sequence[FieldError]) -> "InvalidInput":
        summary = "; ".join(f"{error.field}: {error.message}" for error in errors)
        return cls(f"invalid input: {summary}", errors=errors)


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


def _render(
    status_code: int, body: ErrorBody, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(status_code=status_code, content=body.model_dump(), headers=headers)


def validation_errors(raw_errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic's errors as field errors, in the words every response uses."""
    errors = []
    for error in raw_errors:
        message = str(error.get("msg", "invalid value"))
        # Pydantic's "Value error, ..." prefix adds nothing for an API client.
        message = message.removeprefix("Value error, ")
        errors.append(FieldError(field=field_path(error.get("loc", ())), message=message))
    return errors


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        body = ErrorBody(detail=exc.detail, code=exc.code, errors=exc.errors)
        return _render(exc.status_code, body, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        error = InvalidInput.for_fields(validation_errors(exc.errors()))
        return _render(422, ErrorBody(detail=error.detail, code=error.code, errors=error.errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        body = ErrorBody(detail=str(exc.detail), code=code)
        return _render(exc.status_code, body, dict(exc.headers) if exc.headers else None)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request body is not UTF-8 text."},
    401: {"model": ErrorBody, "description": "Missing, invalid, expired or revoked token."},
    403: {"model": ErrorBody, "description": "This role may not do this."},
    404: {"model": ErrorBody, "description": "No such resource."},
    409: {"model": ErrorBody, "description": "Clashes with the current state."},
    413: {"model": ErrorBody, "description": "The request body or file is too large."},
    415: {"model": ErrorBody, "description": "The body is not of a kind this operation reads."},
    422: {"model": ErrorBody, "description": "Invalid input; each error names its field."},
}


def responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of an operation, for its OpenAPI description."""
    return {code: ERROR_RESPONSES[code] for code in (*status_codes, 422)}
