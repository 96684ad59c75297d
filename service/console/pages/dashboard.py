"""The dashboard: where the programme stands, in figures and charts."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from service.api.deps import SessionDep
from service.api.spreadsheets import spreadsheet_response
from service.console.auth import SignedInDep
from service.console.render import page
from service.crud import charts, statistics
from service.errors import NotFound
from service.models import utcnow
from service.spreadsheets.formats import SheetFormat, write_table

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
        charts=charts.all_charts(session=session),
    )


@router.get("/charts/{key}.{sheet_format}")
def chart_data(
    key: str, sheet_format: SheetFormat, session: SessionDep, signed_in: SignedInDep
) -> Response:
    """One chart's table as a spreadsheet, for reports."""
    chart = next((c for c in charts.all_charts(session=session) if c.key == key), None)
    if chart is None:
        raise NotFound(f"no chart called {key}")
    header, rows = chart.table()
    content = write_table(header, rows, sheet_format=sheet_format, title=chart.title[:31])
    return spreadsheet_response(content, name=f"mentormatch-{key}", sheet_format=sheet_format)
