"""Every router, collected for ``main.py`` to mount."""

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from service.api.deps import refuse_other_methods_on_fixed_paths
from service.api.routes import (
    audit,
    calibration,
    exclusions,
    health,
    match_runs,
    me,
    mentees,
    mentors,
    outbox,
    pairings,
    taxonomy,
)

api_router = APIRouter(dependencies=[Depends(refuse_other_methods_on_fixed_paths)])
for module in (
    health,
    taxonomy,
    mentors,
    mentees,
    me,
    match_runs,
    calibration,
    pairings,
    exclusions,
    audit,
    outbox,
):
    api_router.include_router(module.router)

# Models that routes name only in ``openapi_extra``; the app adds them to its document.
component_models: tuple[type[BaseModel], ...] = me.SELF_UPDATE_MODELS
