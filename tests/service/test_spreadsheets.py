"""Spreadsheet import and export of the registers: CSV as Excel saves it, xlsx, uploads.

An import creates or updates (by id, else by email), every row or none; every error
names its row and field. Files are made the way coordinators make them: Python's
csv module in Windows-1252 or UTF-8 with a byte-order mark, and openpyxl workbooks.
"""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from service.models import Exclusion
from service.spreadsheets.formats import XLSX_MEDIA_TYPE
from tests.factories import bearer, mentee_payload, mentor_payload

MENTOR_HEADER = "name,email,organisation,kind,home_region,sectors,skills,capacity,meeting_mode"


def post_file(
    client: TestClient,
    headers: dict[str, str],
    kind: str,
    content: str | bytes,
    media_type: str = "text/csv",
    **params: Any,
) -> Response:
    body = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/{kind}s/import",
        headers={**headers, "Content-Type": media_type},
        content=body,
        params=params,
    )


def count(client: TestClient, headers: dict[str, str], kind: str) -> int:
    return int(client.get(f"/{kind}s", headers=headers).json()["count"])


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def register(client: TestClient, headers: dict[str, str], role: str, **overrides: Any) -> int:
    payload = mentor_payload(**overrides) if role == "mentor" else mentee_payload(**overrides)
    response = client.post(f"/{role}s", headers=headers, json=payload)
    assert response.status_code == 201, response.text
    return int(response.json()[role]["id"])


def csv_file(header: list[str], lines: list[list[Any]], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue().encode(encoding)


def workbook(header: list[str], lines: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MENTOR_COLUMNS = ["name", "email", "organisation", "kind", "home_region", "sectors", "skills"]
ZOE = ["Zoë Müller", "zoe@example.org", "Café Care", "peer", "london", "housing", "tupe"]


def test_import_accepts_codes_or_labels_and_list_cells(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    text = (
        MENTOR_HEADER
        + "\nAda,ada@example.org,Care Co,peer,North West,Adult social care; home_care,"
        + "TUPE;bid_writing,3,remote\n"
        + 'Bo,BO@example.org,"Bo, Ltd",peer (HAS led a spin-out),london,housing,pricing,,\n'
    )
    response = post_file(client, coordinator, "mentor", text)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (2, 0, 0)
    ada_id, bo_id = summary["ids"]
    ada = client.get(f"/mentors/{ada_id}", headers=coordinator).json()
    assert ada["home_region"] == "north_west"
    assert ada["sectors"] == ["adult_social_care", "home_care"]
    assert ada["skills"] == ["tupe", "bid_writing"]
    assert (ada["capacity"], ada["meeting_mode"]) == (3, "remote")
    bo = client.get(f"/mentors/{bo_id}", headers=coordinator).json()
    assert (bo["email"], bo["organisation"], bo["capacity"]) == ("bo@example.org", "Bo, Ltd", 1)


def test_mentee_needs_with_priorities(client: TestClient, coordinator: dict[str, str]) -> None:
    text = (
        "name,email,organisation,legal_form,stage,primary_sector,needs,region\n"
        "Cy,cy@example.org,Cy CIC,cic_guarantee,exploring,housing,"
        "governance_boards:3; Pricing ; tupe:1,wales\n"
    )
    response = post_file(client, coordinator, "mentee", text)
    assert response.status_code == 200, response.text
    mentee = client.get(f"/mentees/{response.json()['ids'][0]}", headers=coordinator).json()
    assert mentee["needs"] == [
        {"skill": "governance_boards", "priority": 3},
        {"skill": "pricing", "priority": 2},
        {"skill": "tupe", "priority": 1},
    ]


def payloads(kind: str) -> list[dict[str, Any]]:
    if kind == "mentor":
        return [mentor_payload(), mentor_payload(legal_forms=[], regions_served=[], job_title="")]
    return [mentee_payload(), mentee_payload(other_sectors=[], goals='Say "hi", then; go')]


@pytest.mark.parametrize("sheet_format", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["mentor", "mentee"])
def test_reimporting_an_unchanged_export_changes_nothing(
    client: TestClient, coordinator: dict[str, str], kind: str, sheet_format: str
) -> None:
    ids = [register(client, coordinator, kind, **payload) for payload in payloads(kind)]
    client.patch(f"/{kind}s/{ids[1]}", headers=coordinator, json={"status": "withdrawn"})
    before = [client.get(f"/{kind}s/{i}", headers=coordinator).json() for i in ids]
    exported = client.get(f"/{kind}s/export", headers=coordinator, params={"format": sheet_format})
    assert exported.status_code == 200
    media_type = XLSX_MEDIA_TYPE if sheet_format == "xlsx" else "text/csv"
    assert exported.headers["content-type"].startswith(media_type)
    assert f'{kind}s.{sheet_format}"' in exported.headers["content-disposition"]

    response = post_file(client, coordinator, kind, exported.content, media_type)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 2)
    assert summary["ids"] == ids
    after = [client.get(f"/{kind}s/{i}", headers=coordinator).json() for i in ids]
    assert after == before


@pytest.mark.parametrize("kind", ["mentor", "mentee"])
def test_export_then_import_into_an_empty_register_gives_the_same_profiles(
    client: TestClient, coordinator: dict[str, str], kind: str
) -> None:
    for payload in payloads(kind):
        register(client, coordinator, kind, **payload)
    exported = client.get(f"/{kind}s/export", headers=coordinator)
    for person in client.get(f"/{kind}s", headers=coordinator).json()["data"]:
        client.delete(f"/{kind}s/{person['id']}", headers=coordinator)
    assert count(client, coordinator, kind) == 0

    without_ids = "\n".join(
        ",".join(line.split(",")[1:]) for line in exported.text.removeprefix("\ufeff").splitlines()
    )
    imported = post_file(client, coordinator, kind, without_ids)
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 2
    again = client.get(f"/{kind}s/export", headers=coordinator).text

    def without_id_column(text: str) -> list[dict[str, str]]:
        return [{k: v for k, v in row.items() if k != "id"} for row in rows(text)]

    assert without_id_column(again) == without_id_column(exported.text)


def test_rows_update_by_email_or_by_id(client: TestClient, coordinator: dict[str, str]) -> None:
    by_email = register(client, coordinator, "mentor", email="ada@example.org", capacity=2)
    by_id = register(client, coordinator, "mentor", email="bo@example.org")
    text = (
        "id,name,email,organisation,kind,home_region,sectors,skills,capacity,status\n"
        ",Ada Lovelace,ADA@example.org,Org A,peer,london,housing,tupe,4,paused\n"
        f"{by_id},Bo,bo.new@example.org,Org B,specialist,wales,housing,pricing,1,\n"
        ",Cy,cy@example.org,Org C,peer,london,housing,tupe,1,\n"
    )
    response = post_file(client, coordinator, "mentor", text)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (1, 2, 0)
    assert summary["ids"][:2] == [by_email, by_id]
    ada = client.get(f"/mentors/{by_email}", headers=coordinator).json()
    assert (ada["name"], ada["capacity"], ada["status"]) == ("Ada Lovelace", 4, "paused")
    bo = client.get(f"/mentors/{by_id}", headers=coordinator).json()
    assert (bo["email"], bo["kind"], bo["home_region"]) == (
        "bo.new@example.org",
        "specialist",
        "wales",
    )
    assert bo["status"] == "active", "an empty status cell leaves the status as it is"


def test_absent_columns_are_kept_and_empty_cells_take_their_default(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor_id = register(
        client, coordinator, "mentor", email="ada@example.org", job_title="Director", capacity=3
    )
    text = (
        "email,name,organisation,kind,home_region,sectors,skills,regions_served\n"
        "ada@example.org,Ada,Org,peer,london,housing,tupe,\n"
    )
    response = post_file(client, coordinator, "mentor", text)
    assert response.status_code == 200, response.text
    ada = client.get(f"/mentors/{mentor_id}", headers=coordinator).json()
    assert (ada["job_title"], ada["capacity"]) == ("Director", 3)
    assert ada["regions_served"] == []


ROW = "A,a@example.org,Org,peer,london,housing,tupe,1,remote"


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        (f"id,{MENTOR_HEADER}\n999,{ROW}\n", "row 2: id", "no mentor with id 999"),
        (f"id,{MENTOR_HEADER}\nx1,{ROW}\n", "row 2: id", "must be a person's id"),
        (
            "email,name,organisation,kind,home_region,sectors,skills\n"
            "ada@example.org,,Org,peer,london,housing,tupe\n",
            "row 2: name",
            "must not be empty",
        ),
    ],
)
def test_update_rows_are_checked(
    client: TestClient, coordinator: dict[str, str], text: str, field: str, fragment: str
) -> None:
    ada = register(client, coordinator, "mentor", email="ada@example.org", name="Ada")
    response = post_file(client, coordinator, "mentor", text)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and fragment in e["message"] for e in errors), errors
    assert count(client, coordinator, "mentor") == 1
    assert client.get(f"/mentors/{ada}", headers=coordinator).json()["name"] == "Ada"


def test_one_person_on_two_rows_or_an_email_of_someone_else_is_refused(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    ada = register(client, coordinator, "mentor", email="ada@example.org")
    register(client, coordinator, "mentor", email="bo@example.org")
    header = "id,name,email,organisation,kind,home_region,sectors,skills\n"
    twice = header + (
        f"{ada},Ada,ada@example.org,Org,peer,london,housing,tupe\n"
        ",Ada,ada@example.org,Org,peer,london,housing,tupe\n"
    )
    response = post_file(client, coordinator, "mentor", twice)
    assert response.status_code == 422
    assert {"field": "row 3", "message": "is the same mentor as row 2"} in response.json()["errors"]

    taken = header + f"{ada},Ada,bo@example.org,Org,peer,london,housing,tupe\n"
    response = post_file(client, coordinator, "mentor", taken)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "row 2: email", "message": "a mentor with this email is already registered"}
    ]
    assert client.get(f"/mentors/{ada}", headers=coordinator).json()["email"] == "ada@example.org"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-8", "utf-16"])
def test_files_saved_by_excel_in_any_of_its_encodings_keep_their_accents(
    client: TestClient, coordinator: dict[str, str], encoding: str
) -> None:
    content = csv_file(MENTOR_COLUMNS, [ZOE], encoding)
    response = post_file(client, coordinator, "mentor", content)
    assert response.status_code == 200, response.text
    mentor = client.get(f"/mentors/{response.json()['ids'][0]}", headers=coordinator).json()
    assert (mentor["name"], mentor["organisation"]) == ("Zoë Müller", "Café Care")


def test_semicolon_delimited_files_from_european_excel_are_read(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    text = (
        "name;email;organisation;kind;home_region;sectors;skills\n"
        'A;a@example.org;Org;peer;london;housing;"tupe; pricing"\n'
    )
    response = post_file(client, coordinator, "mentor", text)
    assert response.status_code == 200, response.text
    mentor = client.get(f"/mentors/{response.json()['ids'][0]}", headers=coordinator).json()
    assert mentor["skills"] == ["tupe", "pricing"]


def test_workbook_cells_of_any_type_are_read(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    header = [*MENTOR_COLUMNS, "capacity", "led_spin_out", "years_experience"]
    content = workbook(header, [[*ZOE, 3, True, 12.0], [None] * len(header)])
    response = post_file(client, coordinator, "mentor", content, XLSX_MEDIA_TYPE)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1, "the blank row is skipped"
    mentor = client.get(f"/mentors/{response.json()['ids'][0]}", headers=coordinator).json()
    assert (mentor["name"], mentor["capacity"], mentor["led_spin_out"]) == ("Zoë Müller", 3, True)
    assert mentor["years_experience"] == 12


@pytest.mark.parametrize(
    ("filename", "content_type", "make"),
    [
        ("mentors.csv", "text/csv", lambda: csv_file(MENTOR_COLUMNS, [ZOE], "cp1252")),
        ("mentors.xlsx", XLSX_MEDIA_TYPE, lambda: workbook(MENTOR_COLUMNS, [ZOE])),
        ("export", "application/octet-stream", lambda: workbook(MENTOR_COLUMNS, [ZOE])),
    ],
)
def test_a_browser_upload_as_a_form_file_is_read(
    client: TestClient, coordinator: dict[str, str], filename: str, content_type: str, make: Any
) -> None:
    response = client.post(
        "/mentors/import", headers=coordinator, files={"file": (filename, make(), content_type)}
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


def test_json_posted_to_an_import_is_told_what_to_send(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    response = client.post("/mentors/import", headers=coordinator, json=[mentor_payload()])
    assert response.status_code == 415
    body = response.json()
    assert body["code"] == "unsupported_media_type"
    assert "text/csv" in body["detail"]
    assert XLSX_MEDIA_TYPE in body["detail"]
    assert "multipart/form-data" in body["detail"]
    missing = client.post("/mentors/import", headers=coordinator, files={"other": ("a", b"x")})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "file"


def test_exports_carry_a_byte_order_mark_for_excel(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    register(client, coordinator, "mentor", name="Zoë")
    exported = client.get("/mentors/export", headers=coordinator)
    assert exported.content.startswith("\ufeff".encode())
    assert rows(exported.content.decode("utf-8"))[0]["name"] == "Zoë"


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)"]


@pytest.mark.parametrize("sheet_format", ["csv", "xlsx"])
def test_exports_neutralise_formulas_and_reimport_them_unchanged(
    client: TestClient, coordinator: dict[str, str], sheet_format: str
) -> None:
    for number, formula in enumerate(FORMULAS):
        response = client.post(
            "/mentees",
            json=mentee_payload(name=formula, organisation=f"Org {number}"),
            headers=coordinator,
        )
        assert response.status_code == 201, response.text
    exported = client.get(
        "/mentees/export", headers=coordinator, params={"format": sheet_format}
    ).content
    if sheet_format == "csv":
        names = [row["name"] for row in rows(exported.decode("utf-8"))]
    else:
        sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
        cells = [row[1] for row in sheet.iter_rows(min_row=2)]
        assert {cell.data_type for cell in cells} == {"s"}, "text cells, never formulas"
        names = [str(cell.value) for cell in cells]
    assert names == ["'" + formula for formula in FORMULAS]

    media_type = XLSX_MEDIA_TYPE if sheet_format == "xlsx" else "text/csv"
    response = post_file(client, coordinator, "mentee", exported, media_type)
    assert response.status_code == 200, response.text
    assert response.json()["unchanged"] == len(FORMULAS)


def test_a_dry_run_reports_and_writes_nothing(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    existing = register(client, coordinator, "mentor", email="ada@example.org", capacity=2)
    text = (
        MENTOR_HEADER + "\nAda,ada@example.org,Org,peer,london,housing,tupe,5,remote"
        "\nBo,bo@example.org,Org,peer,london,housing,tupe,1,remote\n"
    )
    response = post_file(client, coordinator, "mentor", text, dry_run="true")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "ids": [existing],
        "dry_run": True,
    }
    assert count(client, coordinator, "mentor") == 1
    assert client.get(f"/mentors/{existing}", headers=coordinator).json()["capacity"] == 2


def test_conflicts_declared_by_email_bind_to_the_imported_person(
    client: TestClient, coordinator: dict[str, str], session: Session
) -> None:
    token = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()["token"]
    declared = client.post(
        "/me/conflicts", headers=bearer(token), json={"email": "Later@Example.org"}
    )
    assert declared.status_code in (201, 202)
    text = MENTOR_HEADER + "\nL,later@example.org,Org,peer,london,housing,tupe,1,remote\n"
    (mentor_id,) = post_file(client, coordinator, "mentor", text).json()["ids"]
    exclusion = session.exec(select(Exclusion)).one()
    assert (exclusion.mentor_id, exclusion.mentor_email) == (mentor_id, None)


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        ("", "file", "is empty"),
        (MENTOR_HEADER + "\n", "file", "no rows"),
        ("name,email,colour\nA,a@example.org,red\n", "header", "unknown columns ['colour']"),
        ("name,email\nA,a@example.org\n", "header", "missing required columns"),
        (
            ",".join(f"c{n}" for n in range(10_000)) + "\n",
            "header",
            "unknown columns ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', '...']",
        ),
        (
            MENTOR_HEADER + "\nA,a@example.org,Org,peer,london,housing,astrology,1,remote\n",
            "row 2: skills[0]",
            "unknown skill code 'astrology'",
        ),
        (
            MENTOR_HEADER + "\nA,not-an-email,Org,peer,london,housing,tupe,1,remote\n",
            "row 2: email",
            "email",
        ),
        (
            MENTOR_HEADER + "\nA,a@example.org,Org,peer,london,housing,tupe,0,remote\n",
            "row 2: capacity",
            "greater than or equal to 1",
        ),
        (
            MENTOR_HEADER + "\nA,a@example.org,Org,peer,london,housing,tupe,two,remote\n",
            "row 2: capacity",
            "must be a whole number",
        ),
        (
            MENTOR_HEADER
            + "\nA,a@example.org,Org,peer,london,housing,tupe,1,remote"
            + "\nB,A@example.org,Org,peer,london,housing,tupe,1,remote\n",
            "row 3: email",
            "repeats row 2",
        ),
        (
            MENTOR_HEADER + "\nA,a@example.org,Org,peer,london,housing,tupe,1,remote,extra\n",
            "row 2",
            "more cells than the header",
        ),
        (b"name\n\xff\xfe\x81\x8d", "file", "is neither UTF-8 nor Windows-1252"),
        (b"PK\x03\x04 not really a workbook", "file", "is not a valid xlsx workbook"),
    ],
)
def test_malformed_file_gets_row_level_errors_and_writes_nothing(
    client: TestClient, coordinator: dict[str, str], text: str | bytes, field: str, fragment: str
) -> None:
    media_type = "application/octet-stream" if isinstance(text, bytes) else "text/csv"
    response = post_file(client, coordinator, "mentor", text, media_type)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and fragment in e["message"] for e in errors), errors
    assert count(client, coordinator, "mentor") == 0


def test_good_rows_are_not_imported_when_one_row_is_bad(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    existing = register(client, coordinator, "mentor", email="taken@example.org", capacity=2)
    text = (
        MENTOR_HEADER
        + "\nA,a@example.org,Org,peer,london,housing,tupe,1,remote"
        + "\nB,taken@example.org,Org,peer,london,housing,tupe,4,remote"
        + "\nC,c@example.org,Org,peer,atlantis,housing,tupe,1,remote\n"
    )
    response = post_file(client, coordinator, "mentor", text)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["row 4: home_region"]
    assert count(client, coordinator, "mentor") == 1
    assert client.get(f"/mentors/{existing}", headers=coordinator).json()["capacity"] == 2


def test_imported_person_gets_a_token_from_the_coordinator(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    text = MENTOR_HEADER + "\nA,a@example.org,Org,peer,london,housing,tupe,1,remote\n"
    (mentor_id,) = post_file(client, coordinator, "mentor", text).json()["ids"]
    first = client.post(f"/mentors/{mentor_id}/access-token", headers=coordinator).json()["token"]
    second = client.post(f"/mentors/{mentor_id}/access-token", headers=coordinator).json()["token"]
    assert client.get("/me", headers=bearer(first)).status_code == 401
    assert client.get("/me", headers=bearer(second)).json()["mentor"]["id"] == mentor_id


def test_participants_cannot_import_or_export(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    token = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()["token"]
    assert client.get("/mentors/export", headers=bearer(token)).status_code == 403
    assert post_file(client, bearer(token), "mentee", "name\n").status_code == 403


def pair_two_mentees(client: TestClient, coordinator: dict[str, str]) -> None:
    mentor_id = register(client, coordinator, "mentor", email="ada@example.org", capacity=2)
    for email in ("mo@example.org", "lee@example.org"):
        mentee_id = register(client, coordinator, "mentee", email=email)
        response = client.post(
            "/pairings", headers=coordinator, json={"mentor_id": mentor_id, "mentee_id": mentee_id}
        )
        assert response.status_code == 201, response.text


def as_csv(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue()


def export_rows(client: TestClient, coordinator: dict[str, str], kind: str) -> list[list[str]]:
    text = client.get(f"/{kind}s/export", headers=coordinator).content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("kind", "column", "value", "fragment"),
    [
        ("mentor", "capacity", "1", "below the mentor's 2 active pairings"),
        ("mentee", "status", "waiting", "while the mentee has an active pairing"),
        ("mentee", "status", "withdrawn", "while the mentee has an active pairing"),
    ],
)
def test_an_import_cannot_contradict_active_pairings(
    client: TestClient,
    coordinator: dict[str, str],
    kind: str,
    column: str,
    value: str,
    fragment: str,
) -> None:
    pair_two_mentees(client, coordinator)
    header, *lines = export_rows(client, coordinator, kind)
    unchanged_lines = [list(line) for line in lines]
    unchanged = as_csv([header, *lines])
    assert post_file(client, coordinator, kind, unchanged).status_code == 200
    lines[0][header.index(column)] = value
    response = post_file(client, coordinator, kind, as_csv([header, *lines]))
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == f"row 2: {column}" and fragment in e["message"] for e in errors), (
        errors
    )
    assert export_rows(client, coordinator, kind) == [header, *unchanged_lines], "nothing written"


def test_an_import_cannot_mark_a_mentee_paired_without_a_pairing(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    waiting = register(client, coordinator, "mentee", email="lee@example.org")
    header, *lines = export_rows(client, coordinator, "mentee")
    new = [*lines[0]]
    new[header.index("id")] = ""
    new[header.index("email")] = "new@example.org"
    lines[0][header.index("status")] = "paired"
    new[header.index("status")] = "paired"
    response = post_file(client, coordinator, "mentee", as_csv([header, *lines, new]))
    assert response.status_code == 422, response.text
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["row 2: status", "row 3: status"]
    assert client.get(f"/mentees/{waiting}", headers=coordinator).json()["status"] == "waiting"


def test_an_update_changes_the_lists_it_changes_and_keeps_the_others(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee_id = register(client, coordinator, "mentee", email="mo@example.org")
    before = client.get(f"/mentees/{mentee_id}", headers=coordinator).json()
    header, *lines = export_rows(client, coordinator, "mentee")
    lines[0][header.index("goals")] = "Price our home care contracts"
    assert post_file(client, coordinator, "mentee", as_csv([header, *lines])).status_code == 200
    renamed = client.get(f"/mentees/{mentee_id}", headers=coordinator).json()
    assert renamed["goals"] == "Price our home care contracts"
    assert (renamed["needs"], renamed["other_sectors"]) == (
        before["needs"],
        before["other_sectors"],
    )

    lines[0][header.index("needs")] = "pricing:3; tupe:1"
    response = post_file(client, coordinator, "mentee", as_csv([header, *lines]))
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    needs = client.get(f"/mentees/{mentee_id}", headers=coordinator).json()["needs"]
    assert needs == [{"skill": "pricing", "priority": 3}, {"skill": "tupe", "priority": 1}]
