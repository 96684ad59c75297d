"""The dashboard: where the programme stands."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.api.deps import SessionDep
from service.console.auth import SignedInDep
from service.console.render import page
from service.crud import statistics
from service.models import utcnow

router = APIRouter()


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, signed_in: SignedInDep) -> HTMLResponse:
    """Who is waiting, who has places left, and how the pairings are going."""
    return page(
        request,
        "dashboard.html",
        signed_in=signed_in,
        page_title="Dashboard",
        nav="dashboard",
        summary=statistics.summary(session=session, now=utcnow()),
    )
