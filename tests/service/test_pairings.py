"""Pairings as a coordinator reads them: names, filters, exports; mentors' places left."""

import csv
import io
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.factories import bearer, mentee_payload, mentor_payload


def register(
    client: TestClient, headers: dict[str, str], role: str, **overrides: object
) -> tuple[int, str]:
    payload = mentor_payload(**overrides) if role == "mentor" else mentee_payload(**overrides)
    response = client.post(f"/{role}s", headers=headers, json=payload)
    assert response.status_code == 201, response.text
    return int(response.json()[role]["id"]), str(response.json()["token"])


def pair(
    client: TestClient, headers: dict[str, str], mentee_id: int, mentor_id: int, **body: object
) -> int:
    response = client.post(
        "/pairings", headers=headers, json={"mentee_id": mentee_id, "mentor_id": mentor_id, **body}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def three_pairings(client: TestClient, coordinator: dict[str, str]) -> dict[str, int]:
    mentor, _ = register(client, coordinator, "mentor", name="Jo Adams", capacity=3)
    soon = date.today() + timedelta(days=20)
    later = date.today() + timedelta(days=200)
    ids = {}
    for label, planned in (("soon", soon), ("later", later), ("unplanned", None)):
        mentee, token = register(client, coordinator, "mentee", name=f"Mentee {label}")
        ids[label] = pair(
            client,
            coordinator,
            mentee,
            mentor,
            planned_end_on=planned.isoformat() if planned else None,
        )
        ids[f"{label}_token"] = token  # type: ignore[assignment]
    return ids


def test_pairings_show_both_peoples_names_and_organisations(
    client: TestClient, coordinator: dict[str, str], three_pairings: dict[str, int]
) -> None:
    listed = client.get("/pairings", headers=coordinator).json()
    assert listed["count"] == 3
    first = listed["data"][0]
    assert first["mentor"]["name"] == "Jo Adams"
    assert first["mentee"]["name"] == "Mentee soon"
    assert first["mentee"]["organisation"].startswith("New Mutual")
    assert first["mentee"]["id"] == first["mentee_id"]
    single = client.get(f"/pairings/{three_pairings['later']}", headers=coordinator).json()
    assert single["mentee"]["name"] == "Mentee later"


def test_pairings_filter_by_planned_end_and_fit_answer(
    client: TestClient, coordinator: dict[str, str], three_pairings: dict[str, int]
) -> None:
    within_30_days = (date.today() + timedelta(days=30)).isoformat()
    soon = client.get(
        "/pairings",
        headers=coordinator,
        params={"status": "active", "planned_end_before": within_30_days},
    ).json()
    assert [p["id"] for p in soon["data"]] == [three_pairings["soon"]]
    after = client.get(
        "/pairings", headers=coordinator, params={"planned_end_after": within_30_days}
    ).json()
    assert [p["id"] for p in after["data"]] == [three_pairings["later"]]

    token = str(three_pairings["later_token"])
    answered = client.post(
        f"/me/pairings/{three_pairings['later']}/fit",
        headers=bearer(token),
        json={"fit": "not_a_fit"},
    )
    assert answered.status_code == 200, answered.text
    not_a_fit = client.get("/pairings", headers=coordinator, params={"fit": "not_a_fit"}).json()
    assert [p["id"] for p in not_a_fit["data"]] == [three_pairings["later"]]
    assert (
        client.get("/pairings", headers=coordinator, params={"fit": "good_fit"}).json()["count"]
        == 0
    )


@pytest.mark.parametrize("sheet_format", ["csv", "xlsx"])
def test_pairings_export_with_names_and_the_same_filters(
    client: TestClient,
    coordinator: dict[str, str],
    three_pairings: dict[str, int],
    sheet_format: str,
) -> None:
    within_30_days = (date.today() + timedelta(days=30)).isoformat()
    exported = client.get(
        "/pairings/export",
        headers=coordinator,
        params={"format": sheet_format, "planned_end_before": within_30_days},
    )
    assert exported.status_code == 200, exported.text
    if sheet_format == "csv":
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
        header, *values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(header, row, strict=True)) for row in values]
    assert len(rows) == 1
    assert str(rows[0]["pairing_id"]) == str(three_pairings["soon"])
    assert rows[0]["mentor_name"] == "Jo Adams"
    assert rows[0]["mentee_name"] == "Mentee soon"


def test_the_mentor_list_shows_places_left(
    client: TestClient, coordinator: dict[str, str], three_pairings: dict[str, int]
) -> None:
    other, _ = register(client, coordinator, "mentor", capacity=2)
    listed = {m["id"]: m for m in client.get("/mentors", headers=coordinator).json()["data"]}
    busy = next(m for m in listed.values() if m["name"] == "Jo Adams")
    assert (busy["capacity"], busy["places_left"]) == (3, 0)
    assert listed[other]["places_left"] == 2
    assert client.get(f"/mentors/{other}", headers=coordinator).json()["places_left"] == 2
    client.post(
        f"/pairings/{three_pairings['soon']}/end", headers=coordinator, json={"status": "completed"}
    )
    assert client.get(f"/mentors/{busy['id']}", headers=coordinator).json()["places_left"] == 1
