"""Importing a register from a spreadsheet (upload, preview, then import all or nothing),
and exporting one.

The preview is the API's import as a dry run (``registers.import_table`` with
``dry_run=True``): every row's errors, or what the file would create and update.
The previewed file travels back with the confirming form, so that exactly what
was checked is imported, again under the API's checks.
"""

import base64
import binascii

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from service.api.deps import SessionDep, SettingsDep
from service.api.spreadsheets import spreadsheet_response
from service.config import Settings
from service.console.auth import PostedFormDep, SignedInDep
from service.console.forms import FormErrors, undo_on_error
from service.console.render import page, redirect
from service.console.sessions import SignedIn
from service.errors import DomainError, FieldError
from service.spreadsheets import formats, registers

router = APIRouter()

REGISTERS = {"mentors": registers.MENTORS, "mentees": registers.MENTEES}
HOME = "/console/import"


async def uploaded_file(request: Request) -> bytes | None:
    """The content of the form's ``file`` field, if the form carries one."""
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, UploadFile):
        try:
            return await upload.read()
        finally:
            await upload.close()
    return None


def _upload_page(
    request: Request, signed_in: SignedIn, *, errors: FormErrors, status_code: int = 200
) -> HTMLResponse:
    return page(
        request,
        "import.html",
        signed_in=signed_in,
        page_title="Import mentors or mentees",
        nav=None,
        errors=errors,
        error_labels={"file": "File", "register": "Register"},
        columns={plural: register.columns for plural, register in REGISTERS.items()},
        status_code=status_code,
    )


def _export_route(plural: str) -> None:
    @router.get(f"/{plural}.csv", name=f"export_{plural}")
    def export(session: SessionDep, _: SignedInDep) -> Response:
        """The whole register as the API exports it, one person per row."""
        content = registers.export(
            session=session, register=REGISTERS[plural], sheet_format=formats.SheetFormat.csv
        )
        return spreadsheet_response(content, name=plural, sheet_format=formats.SheetFormat.csv)


for _plural in REGISTERS:
    _export_route(_plural)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, signed_in: SignedInDep) -> HTMLResponse:
    """Choose a register and a file to preview."""
    return _upload_page(request, signed_in, errors=FormErrors())


def _import(
    session: Session, settings: Settings, plural: str, content: bytes, *, dry_run: bool
) -> registers.ImportResult:
    table = formats.read_table(
        content,
        sheet_format=formats.sniff(content),
        max_rows=settings.max_csv_rows,
        max_bytes=settings.max_csv_bytes,
    )
    with undo_on_error(session):
        return registers.import_table(
            session=session, register=REGISTERS[plural], table=table, dry_run=dry_run
        )


@router.post("/import", response_class=HTMLResponse)
def preview_or_import(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form: PostedFormDep,
    content: bytes | None = Depends(uploaded_file),
) -> Response:
    """With a file: preview it (a dry run). With the previewed content: import it."""
    plural = form.get("register")
    if plural not in REGISTERS:
        valid = ", ".join(REGISTERS)
        message = f"choose what the file holds: {valid}"
        error = FieldError(field="register", message=message)
        return _upload_page(request, form.signed_in, errors=FormErrors((error,)), status_code=422)
    confirmed = content is None
    if confirmed:
        try:
            content = base64.b64decode(form.get("content"), validate=True)
        except (binascii.Error, ValueError):
            content = b""
    if not content:
        error = FieldError(field="file", message="choose a CSV or xlsx file to import")
        return _upload_page(request, form.signed_in, errors=FormErrors((error,)), status_code=422)
    try:
        result = _import(session, settings, plural, content, dry_run=not confirmed)
    except DomainError as exc:
        return page(
            request,
            "import_preview.html",
            signed_in=form.signed_in,
            page_title="The file cannot be imported",
            nav=form.get("register"),
            plural=plural,
            problems=exc.errors or (FieldError(field="file", message=exc.detail),),
            summary=exc.detail,
            result=None,
            status_code=exc.status_code,
        )
    if confirmed:
        return redirect(
            f"/console/{plural}",
            request=request,
            signed_in=form.signed_in,
            flash=f"Imported the {plural}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged",
        )
    return page(
        request,
        "import_preview.html",
        signed_in=form.signed_in,
        page_title=f"Check the {plural} before importing",
        nav=form.get("register"),
        plural=plural,
        problems=(),
        result=result,
        content=base64.b64encode(content).decode("ascii"),
    )
