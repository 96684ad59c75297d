"""The console's pages, one module per part of the programme, collected in one router."""

from fastapi import APIRouter

from service.console.pages import dashboard, exclusions, sign_in, taxonomy

console_router = APIRouter(include_in_schema=False)
for module in (sign_in, dashboard, taxonomy, exclusions):
    console_router.include_router(module.router, prefix="/console")
