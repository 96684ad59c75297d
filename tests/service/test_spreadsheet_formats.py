"""Reading and writing tables: formula neutralising, encodings, limits (no database)."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from service.errors import InvalidInput, PayloadTooLarge
from service.spreadsheets.formats import (
    FORMULA_TRIGGERS,
    SheetFormat,
    neutralise,
    read_table,
    restore,
    write_table,
)


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_formula_trigger_is_neutralised(trigger: str) -> None:
    assert neutralise(trigger + "1") == "'" + trigger + "1"


@given(st.text(max_size=30))
def test_restore_undoes_neutralise_exactly(value: str) -> None:
    assert restore(neutralise(value)) == value


def test_an_apostrophe_of_the_author_is_kept() -> None:
    assert restore("'quoted'") == "'quoted'"
    assert neutralise("'quoted'") == "'quoted'"


@pytest.mark.parametrize("sheet_format", list(SheetFormat))
def test_written_tables_read_back_the_same(sheet_format: SheetFormat) -> None:
    header = ["name", "score", "note"]
    rows = [["=1+1", 0.5, "\tindented"], ["Zoë", 3, None], ["-minus", 1.25, "@at"]]
    content = write_table(header, rows, sheet_format=sheet_format, title="t")
    table = read_table(content, sheet_format=sheet_format, max_rows=10, max_bytes=10**6)
    assert table.header == header
    assert [line for line, _ in table.rows] == [2, 3, 4]
    assert [row["name"] for _, row in table.rows] == ["=1+1", "Zoë", "-minus"]
    assert [row["note"] for _, row in table.rows] == ["\tindented", "", "@at"]
    assert [row["score"] for _, row in table.rows] == ["0.5", "3", "1.25"]


def test_xlsx_numbers_stay_numbers_and_text_stays_text() -> None:
    content = write_table(["a", "b"], [["=SUM(1)", 2]], sheet_format=SheetFormat.xlsx, title="x")
    (row,) = load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(min_row=2)
    assert (row[0].data_type, row[0].value) == ("s", "'=SUM(1)")
    assert (row[1].data_type, row[1].value) == ("n", 2)


def test_rows_over_the_limit_are_refused() -> None:
    content = ("a\n" + "x\n" * 11).encode()
    with pytest.raises(PayloadTooLarge, match="at most 10 rows"):
        read_table(content, sheet_format=SheetFormat.csv, max_rows=10, max_bytes=10**6)


def test_a_workbook_that_unpacks_far_beyond_the_limit_is_refused() -> None:
    rows = [["x" * 1000] for _ in range(200)]
    content = write_table(["a"], rows, sheet_format=SheetFormat.xlsx, title="big")
    with pytest.raises(PayloadTooLarge, match="unpacks to"):
        read_table(content, sheet_format=SheetFormat.xlsx, max_rows=1000, max_bytes=1024)


def test_a_nul_character_in_a_cell_names_its_row() -> None:
    table = read_table(b"a,b\nx,y\x00\n", sheet_format=SheetFormat.csv, max_rows=9, max_bytes=99)
    assert [(e.field, e.message) for e in table.errors] == [("row 2", "holds a NUL character")]


def test_empty_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match="is empty"):
        read_table(b"\xef\xbb\xbf\r\n", sheet_format=SheetFormat.csv, max_rows=9, max_bytes=99)
