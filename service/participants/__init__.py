"""Participants' own pages: confirming an email address (more to come: signing in by link).

Built like the console (GOV.UK Frontend macros, the console's ``layout.html`` and
assets, nothing changed on a GET, forms refused when posted from another site) but
kept apart from it: participants never reach a console address, and these pages
call the same ``crud`` functions as the API.

    render.py     the Jinja environment: these templates first, then the console's
    verify.py     GET shows the confirm button of an emailed link; POST confirms
"""

from fastapi import APIRouter, FastAPI

from service.participants import verify

participants_router = APIRouter(include_in_schema=False)
participants_router.include_router(verify.router)


def install(app: FastAPI) -> None:
    app.include_router(participants_router)


__all__ = ["install"]
