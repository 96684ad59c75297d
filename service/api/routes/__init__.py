"""Every router, collected for ``main.py`` to mount."""

from fastapi import APIRouter

from service.api.routes import health, me, mentees, mentors, taxonomy

api_router = APIRouter()
for module in (health, taxonomy, mentors, mentees, me):
    api_router.include_router(module.router)
