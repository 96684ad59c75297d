"""Liveness and readiness."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from service.api.deps import SessionDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/health/ready", response_model=Readiness, responses={503: {"description": "Not ready"}}
)
def ready(session: SessionDep) -> Readiness:
    """The database answers."""
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Readiness(status="ok", database="ok")
