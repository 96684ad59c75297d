"""Participants' own pages: confirming an address, signing in by emailed link, their profile.

Built like the console (GOV.UK Frontend macros, the console's ``layout.html`` and
assets, nothing changed on a GET, forms refused when posted from another site) but
kept apart from it: participants never reach a console address, and these pages
call the same ``crud`` functions as the API.

    render.py     the Jinja environment: these templates first, then the console's
    register.py   registration forms for mentees and mentors (privacy notice, consent)
    verify.py     GET shows the confirm button of an emailed link; POST confirms
    sign_in.py    ask for a sign-in link, follow it (GET a button, POST signs in), /my
    my.py         your pairings (contact details while active), availability
    sessions.py   participant sessions (hashed ids, cookie on /my, CSRF on forms)
"""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse

from service.participants import my, register, sign_in, verify
from service.participants.sessions import SIGN_IN, ParticipantSignInRequired

participants_router = APIRouter(include_in_schema=False)
participants_router.include_router(register.router)
participants_router.include_router(verify.router)
participants_router.include_router(sign_in.router)
participants_router.include_router(my.router)


async def _sign_in_first(request: Request, exc: Exception) -> RedirectResponse:
    return RedirectResponse(SIGN_IN, status_code=303)


def install(app: FastAPI) -> None:
    app.include_router(participants_router)
    app.add_exception_handler(ParticipantSignInRequired, _sign_in_first)


__all__ = ["install"]
