"""Every router, collected for ``main.py`` to mount."""

from fastapi import APIRouter

from service.api.routes import (
    exclusions,
    health,
    match_runs,
    me,
    mentees,
    mentors,
    pairings,
    taxonomy,
)

api_router = APIRouter()
for module in (health, taxonomy, mentors, mentees, me, match_runs, pairings, exclusions):
    api_router.include_router(module.router)
