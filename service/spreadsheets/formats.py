"""Tables in and out of spreadsheet files: CSV as Excel saves it, and xlsx workbooks.

Reading accepts what coordinators' spreadsheets produce: UTF-8 with or without a
byte-order mark, UTF-16 with one (Excel's "Unicode text"), or Windows-1252 (what
Excel saves as plain "CSV" on Windows); comma, semicolon or tab delimiters, told
apart by the header line. Writing produces UTF-8 CSV with a byte-order mark, so
that Excel shows accented names, or an xlsx workbook.

Every text cell written is neutralised against formula injection (OWASP's advice):
a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, which spreadsheets show as text. Reading removes exactly that
apostrophe again, so an exported file imports back unchanged.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from service.errors import FieldError, InvalidInput, PayloadTooLarge

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISER = "'"
_DELIMITERS = (",", ";", "\t")
_ZIP_MAGIC = b"PK\x03\x04"
# An xlsx file is compressed; its unpacked parts may be this many times the upload limit.
_XLSX_EXPANSION = 5


class SheetFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"

    @property
    def media_type(self) -> str:
        return XLSX_MEDIA_TYPE if self is SheetFormat.xlsx else f"{CSV_MEDIA_TYPE}; charset=utf-8"


Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """A header and its rows, each numbered as the file's line (the header is line 1).

    ``errors`` names the rows that could not be read as cells of the header.
    """

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    errors: list[FieldError]


def neutralise(value: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return _NEUTRALISER + value if value.startswith(FORMULA_TRIGGERS) else value


def restore(value: str) -> str:
    """Undo `neutralise`: drop the apostrophe it added, and only that one."""
    if value.startswith(_NEUTRALISER) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _file_error(message: str) -> InvalidInput:
    return InvalidInput.for_fields([FieldError(field="file", message=message)])


def decode(content: bytes) -> str:
    """The text of a CSV file in any of the encodings spreadsheets save."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _file_error(f"is not valid UTF-16 text (byte {exc.start})") from exc
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _file_error(
            f"is neither UTF-8 nor Windows-1252 text (byte {exc.start}); "
            "save it from the spreadsheet as 'CSV UTF-8'"
        ) from exc


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _row_limit(max_rows: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"a file may hold at most {max_rows} rows (MENTORMATCH_MAX_CSV_ROWS)")


def _table(lines: Iterable[tuple[int, Sequence[str]]], max_rows: int) -> Table:
    """Pair every row with the header; blank rows are skipped, ragged ones refused."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise _file_error("is empty; the first line must be the header")
    header = [cell.strip() for cell in first[1]]
    while header and not header[-1]:
        header.pop()  # spreadsheets pad rows with empty trailing cells
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[FieldError] = []
    for line, cells in iterator:
        values = [restore(cell) for cell in cells]
        if not any(value.strip() for value in values):
            continue
        if any("\x00" in value for value in values):
            # No database stores a NUL character in text.
            errors.append(FieldError(field=f"row {line}", message="holds a NUL character"))
            continue
        if len(rows) >= max_rows:
            raise _row_limit(max_rows)
        extra = values[len(header) :]
        if any(value.strip() for value in extra):
            errors.append(FieldError(field=f"row {line}", message="has more cells than the header"))
            continue
        values += [""] * (len(header) - len(values))
        rows.append((line, dict(zip(header, values, strict=False))))
    return Table(header=header, rows=rows, errors=errors)


def _csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    # newline="": the csv module reads line ends itself, a lone "\r" included.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise _file_error(f"is not valid CSV: {exc}") from exc


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _xlsx_lines(content: bytes, max_bytes: int) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise _file_error("is not a valid xlsx workbook") from exc
    if unpacked > _XLSX_EXPANSION * max_bytes:
        raise PayloadTooLarge(
            f"the workbook unpacks to {unpacked} bytes, more than {_XLSX_EXPANSION * max_bytes}"
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _file_error("is not a valid xlsx workbook") from exc
    try:
        sheet = workbook.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_xlsx_cell(value) for value in row]
    finally:
        workbook.close()


def read_table(
    content: bytes, *, sheet_format: SheetFormat, max_rows: int, max_bytes: int
) -> Table:
    """The table in an uploaded file; 422 naming the file or the row when it is not one."""
    if sheet_format is SheetFormat.xlsx:
        return _table(_xlsx_lines(content, max_bytes), max_rows)
    return _table(_csv_lines(decode(content)), max_rows)


def sniff(content: bytes) -> SheetFormat:
    """xlsx workbooks are zip archives; anything else is read as CSV."""
    return SheetFormat.xlsx if content.startswith(_ZIP_MAGIC) else SheetFormat.csv


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else _text(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _text(cell: str | int | float) -> str:
    return neutralise(cell) if isinstance(cell, str) else str(cell)


def _xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=neutralise(value))
                # Strings are text cells, whatever they start with: never a formula.
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_table(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, sheet_format: SheetFormat, title: str
) -> bytes:
    """A file of ``rows`` under ``header``; strings are neutralised, numbers stay numbers."""
    if sheet_format is SheetFormat.xlsx:
        return _xlsx_bytes(header, rows, title)
    return _csv_bytes(header, rows)
