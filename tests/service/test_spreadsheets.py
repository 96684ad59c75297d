"""CSV import and export: all rows or none, every error with its row and field."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, mentee_payload, mentor_payload

MENTOR_HEADER = "name,email,organisation,kind,home_region,sectors,skills,capacity,meeting_mode"


def post_csv(client: TestClient, headers: dict[str, str], kind: str, text: str | bytes):  # type: ignore[no-untyped-def]
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/{kind}s/import", headers={**headers, "Content-Type": "text/csv"}, content=content
    )


def count(client: TestClient, headers: dict[str, str], kind: str) -> int:
    return int(client.get(f"/{kind}s", headers=headers).json()["count"])


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_import_accepts_codes_or_labels_and_list_cells(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    text = (
        MENTOR_HEADER
        + "\nAda,ada@example.org,Care Co,peer,North West,Adult social care; home_care,"
        + "TUPE;bid_writing,3,remote\n"
        + 'Bo,BO@example.org,"Bo, Ltd",peer (HAS led a spin-out),london,housing,pricing,,\n'
    )
    response = post_csv(client, coordinator, "mentor", text)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    ada_id, bo_id = response.json()["ids"]
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
    response = post_csv(client, coordinator, "mentee", text)
    assert response.status_code == 201, response.text
    mentee = client.get(f"/mentees/{response.json()['ids'][0]}", headers=coordinator).json()
    assert mentee["needs"] == [
        {"skill": "governance_boards", "priority": 3},
        {"skill": "pricing", "priority": 2},
        {"skill": "tupe", "priority": 1},
    ]


@pytest.mark.parametrize("kind", ["mentor", "mentee"])
def test_export_then_import_into_an_empty_register_gives_the_same_profiles(
    client: TestClient, coordinator: dict[str, str], kind: str
) -> None:
    payloads = (
        [mentor_payload(), mentor_payload(legal_forms=[], regions_served=[], job_title="")]
        if kind == "mentor"
        else [mentee_payload(), mentee_payload(other_sectors=[], goals='Say "hi", then; go')]
    )
    for payload in payloads:
        assert client.post(f"/{kind}s", headers=coordinator, json=payload).status_code == 201
    client.patch(f"/{kind}s/1", headers=coordinator, json={"status": "withdrawn"})
    exported = client.get(f"/{kind}s/export", headers=coordinator)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    for person in client.get(f"/{kind}s", headers=coordinator).json()["data"]:
        client.delete(f"/{kind}s/{person['id']}", headers=coordinator)
    assert count(client, coordinator, kind) == 0

    imported = post_csv(client, coordinator, kind, exported.text)
    assert imported.status_code == 201, imported.text
    again = client.get(f"/{kind}s/export", headers=coordinator).text

    def without_ids(text: str) -> list[dict[str, str]]:
        return [{k: v for k, v in row.items() if k != "id"} for row in rows(text)]

    assert without_ids(again) == without_ids(exported.text)
    assert len(rows(again)) == len(payloads)


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        ("", "file", "is empty"),
        (MENTOR_HEADER + "\n", "file", "no rows"),
        ("name,email,colour\nA,a@example.org,red\n", "header", "unknown columns ['colour']"),
        ("name,email\nA,a@example.org\n", "header", "missing required columns"),
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
    ],
)
def test_malformed_file_gets_row_level_errors_and_writes_nothing(
    client: TestClient, coordinator: dict[str, str], text: str, field: str, fragment: str
) -> None:
    response = post_csv(client, coordinator, "mentor", text)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and fragment in e["message"] for e in errors), errors
    assert count(client, coordinator, "mentor") == 0


def test_good_rows_are_not_imported_when_one_row_is_bad(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    client.post("/mentors", headers=coordinator, json=mentor_payload(email="taken@example.org"))
    text = (
        MENTOR_HEADER
        + "\nA,a@example.org,Org,peer,london,housing,tupe,1,remote"
        + "\nB,taken@example.org,Org,peer,london,housing,tupe,1,remote\n"
    )
    response = post_csv(client, coordinator, "mentor", text)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "row 3: email", "message": "a mentor with this email is already registered"}
    ]
    assert count(client, coordinator, "mentor") == 1


def test_non_utf8_file_is_refused(client: TestClient, coordinator: dict[str, str]) -> None:
    text = MENTOR_HEADER + "\nJosé,j@example.org,Org,peer,london,housing,tupe,1,remote\n"
    response = post_csv(client, coordinator, "mentor", text.encode("latin-1"))
    assert response.status_code == 422
    assert "not UTF-8" in response.json()["errors"][0]["message"]


def test_imported_person_gets_a_token_from_the_coordinator(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    text = MENTOR_HEADER + "\nA,a@example.org,Org,peer,london,housing,tupe,1,remote\n"
    (mentor_id,) = post_csv(client, coordinator, "mentor", text).json()["ids"]
    first = client.post(f"/mentors/{mentor_id}/access-token", headers=coordinator).json()["token"]
    second = client.post(f"/mentors/{mentor_id}/access-token", headers=coordinator).json()["token"]
    assert client.get("/me", headers=bearer(first)).status_code == 401
    assert client.get("/me", headers=bearer(second)).json()["mentor"]["id"] == mentor_id


def test_participants_cannot_import_or_export(client: TestClient) -> None:
    token = client.post("/mentees", json=mentee_payload()).json()["token"]
    assert client.get("/mentors/export", headers=bearer(token)).status_code == 403
    assert post_csv(client, bearer(token), "mentee", "name\n").status_code == 403
