"""Liveness and readiness."""

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from service.api.deps import SessionDep
from service.errors import ERROR_RESPONSES, ServiceUnavailable
from service.migrate import current_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    schema_revision: str | None


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/health/ready",
    response_model=Readiness,
    responses={503: ERROR_RESPONSES[503]},
)
def ready(session: SessionDep, request: Request) -> Readiness:
    """The database answers and its schema is at the revision this code expects."""
    try:
        revision = current_revision(session.connection())
    except DBAPIError as exc:
        raise ServiceUnavailable("the database does not answer") from exc
    expected = request.app.state.schema_head
    if expected is not None and revision != expected:
        raise ServiceUnavailable(
            f"the database schema is at revision {revision}, this version needs {expected}: "
            "run mentormatch migrate"
        )
    return Readiness(status="ok", database="ok", schema_revision=revision)
