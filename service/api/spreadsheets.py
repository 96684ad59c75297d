"""Spreadsheet uploads and downloads: what import routes read and export routes send."""

from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from service.errors import FieldError, InvalidInput, UnsupportedMediaType
from service.spreadsheets.formats import XLSX_MEDIA_TYPE, SheetFormat, sniff

FormatQuery = Annotated[
    SheetFormat, Query(alias="format", description="csv (UTF-8 with a byte-order mark) or xlsx.")
]
DryRun = Annotated[
    bool, Query(description="Check the file and report what it would do, changing nothing.")
]

_CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})
_SNIFFED_TYPES = frozenset({"", "application/octet-stream"})
_WHAT_TO_SEND = (
    "send the file as text/csv, as an xlsx workbook "
    f"({XLSX_MEDIA_TYPE}) or as a multipart/form-data field named 'file'"
)

UPLOAD_DOCUMENTATION: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A CSV file (UTF-8, with or without a byte-order mark, or Windows-1252) "
        "or an xlsx workbook, header first; list cells separated by ';'.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class Upload(BaseModel):
    content: bytes
    sheet_format: SheetFormat


def _format_of(filename: str, content: bytes) -> SheetFormat:
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        return SheetFormat.xlsx
    if lowered.endswith((".csv", ".txt")):
        return SheetFormat.csv
    return sniff(content)


async def read_upload(request: Request) -> Upload:
    """The uploaded file, however the client sent it; 415 saying what to send otherwise."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInput.for_fields(
                    [FieldError(field="file", message="is missing: add a form field named 'file'")]
                )
            content = await upload.read()
            filename = upload.filename or ""
        return Upload(content=content, sheet_format=_format_of(filename, content))
    content = await request.body()
    if media_type in _CSV_TYPES:
        return Upload(content=content, sheet_format=SheetFormat.csv)
    if media_type == XLSX_MEDIA_TYPE:
        return Upload(content=content, sheet_format=SheetFormat.xlsx)
    if media_type in _SNIFFED_TYPES:
        return Upload(content=content, sheet_format=sniff(content))
    raise UnsupportedMediaType(
        f"this operation reads a spreadsheet, not {media_type}: {_WHAT_TO_SEND}"
    )


def spreadsheet_response(content: bytes, *, name: str, sheet_format: SheetFormat) -> Response:
    """A file download named ``name`` with the format's extension."""
    return Response(
        content=content,
        media_type=sheet_format.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{sheet_format.value}"'},
    )


def download_responses(description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of a spreadsheet download."""
    return {
        200: {
            "description": description,
            "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}},
        }
    }


class ImportSummary(BaseModel):
    """What an import did, or would do in a dry run."""

    created: int
    updated: int
    unchanged: int
    ids: list[int] = Field(
        description="The people's ids in row order (in a dry run, only of the rows that match "
        "someone already registered)."
    )
    dry_run: bool


class AccessToken(BaseModel):
    token: str
