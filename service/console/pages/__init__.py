"""The console's pages, one module per part of the programme, collected in one router."""

from fastapi import APIRouter

from service.console.pages import (
    dashboard,
    exclusions,
    imports,
    match_runs,
    pair,
    pairings,
    people,
    sign_in,
    taxonomy,
)

console_router = APIRouter(include_in_schema=False)
for router in (
    sign_in.router,
    dashboard.router,
    people.router(people.MENTEES),
    people.router(people.MENTORS),
    match_runs.router,
    pair.router,
    pairings.router,
    imports.router,
    taxonomy.router,
    exclusions.router,
):
    console_router.include_router(router, prefix="/console")
