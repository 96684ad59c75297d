"""The exclusions page: names not ids, pages in SQL, the API's rules and words."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.console.pages import exclusions as page_module
from service.console.pagination import PAGE_SIZE
from service.models import Exclusion, ExclusionReason, Role
from tests.factories import bearer, mentee_payload, mentor_payload
from tests.service.console.conftest import (
    ConsoleClient,
    error_messages,
    plain,
    summary_errors,
    title_of,
)


@pytest.fixture
def pair(client: TestClient, coordinator: dict[str, str]) -> dict[str, dict[str, object]]:
    mentee = client.post(
        "/mentees",
        json=mentee_payload(name="Alex Reid", organisation="Riverside Home Care CIC"),
        headers=coordinator,
    ).json()
    mentor = client.post(
        "/mentors",
        json=mentor_payload(name="Sam Okafor", organisation="Northern Care Mutual"),
        headers=coordinator,
    ).json()
    return {"mentee": mentee["mentee"], "mentor": mentor["mentor"], "token": mentee}


def rows_of(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [plain(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_an_empty_list_says_so(console: ConsoleClient) -> None:
    page = console.get("/console/exclusions")
    assert page.status_code == 200
    assert title_of(page.text) == "Exclusions – mentormatch"
    assert "There are no exclusions yet." in page.text


def test_a_coordinator_excludes_a_pair_chosen_by_name(
    console: ConsoleClient,
    client: TestClient,
    coordinator: dict[str, str],
    pair: dict[str, dict[str, object]],
) -> None:
    form = console.get("/console/exclusions/new")
    assert title_of(form.text) == "Add an exclusion – mentormatch"
    assert "Alex Reid (Riverside Home Care CIC)" in form.text
    assert "Sam Okafor (Northern Care Mutual)" in form.text
    response = console.post(
        "/console/exclusions/new",
        {
            "mentee_id": str(pair["mentee"]["id"]),
            "mentor_id": str(pair["mentor"]["id"]),
            "reason": "conflict_of_interest",
            "note": "Same board.",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/exclusions"
    page = console.get("/console/exclusions").text
    assert "Alex Reid and Sam Okafor will not be proposed to each other" in page
    assert rows_of(page) == [
        "Alex Reid Riverside Home Care CIC Sam Okafor Northern Care Mutual "
        f"Conflict of interest Same board. {_today()} by coordinator "
        "Lift the exclusion of Alex Reid and Sam Okafor"
    ]
    listed = client.get("/exclusions", headers=coordinator).json()
    assert listed["count"] == 1
    assert listed["data"][0]["note"] == "Same board."


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%-d %b %Y")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mentee_id": "", "mentor_id": "", "reason": "other"}, None),
        ({"mentee_id": "999999", "mentor_id": "MENTOR", "reason": "other"}, "mentee_id"),
        ({"mentee_id": "MENTEE", "mentor_id": "MENTOR", "reason": "other"}, None),
    ],
    ids=["nobody-chosen", "unknown-mentee", "already-excluded"],
)
def test_a_refused_exclusion_shows_the_apis_words(
    console: ConsoleClient,
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    pair: dict[str, dict[str, object]],
    fields: dict[str, str],
    field: str | None,
) -> None:
    ids = {"MENTEE": str(pair["mentee"]["id"]), "MENTOR": str(pair["mentor"]["id"])}
    fields = {key: ids.get(value, value) for key, value in fields.items()}
    if fields["mentee_id"] == ids["MENTEE"]:
        console.post("/console/exclusions/new", fields)  # the first one is accepted
    count = len(session.exec(select(Exclusion)).all())
    response = console.post("/console/exclusions/new", fields)
    api = client.post(
        "/exclusions",
        # JSON has numbers where a form has only text.
        json={
            key: int(value) if value.isdigit() else (value or None) for key, value in fields.items()
        },
        headers=coordinator,
    )
    assert response.status_code == api.status_code
    assert len(session.exec(select(Exclusion)).all()) == count
    assert title_of(response.text) == "Error: Add an exclusion – mentormatch"
    body = api.json()
    expected = body["errors"] or [{"field": field or "mentee_id", "message": body["detail"]}]
    labels = {"mentee_id": "Mentee", "mentor_id": "Mentor"}
    assert summary_errors(response.text) == [
        f"{labels[error['field']]}: {error['message']}" for error in expected
    ]
    for error in expected:
        assert f"Error: {error['message']}" in error_messages(response.text)


def test_a_large_register_asks_for_ids_instead_of_a_list(
    console: ConsoleClient, pair: dict[str, dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_module, "MAX_CHOICES", 0)
    form = console.get("/console/exclusions/new").text
    assert "<select" not in form
    assert 'name="mentee_id"' in form
    assert 'inputmode="numeric"' in form


def test_the_list_is_paged_newest_first(
    console: ConsoleClient, session: Session, pair: dict[str, dict[str, object]]
) -> None:
    mentee_id, mentor_id = pair["mentee"]["id"], pair["mentor"]["id"]
    for number in range(PAGE_SIZE + 3):
        session.add(
            Exclusion(
                mentee_id=mentee_id,
                mentor_id=mentor_id,
                reason=ExclusionReason.other,
                note=f"note {number}",
            )
        )
    session.commit()
    first = console.get("/console/exclusions").text
    assert "Showing 1 to 50 of 53 exclusions, newest first." in first
    rows = rows_of(first)
    assert len(rows) == 50
    assert "note 52" in rows[0]
    assert 'href="/console/exclusions?page=2"' in first
    second = console.get("/console/exclusions?page=2")
    assert title_of(second.text) == "Exclusions (page 2) – mentormatch"
    assert [row.split("Other ")[1].split(" ")[:2] for row in rows_of(second.text)] == [
        ["note", "2"],
        ["note", "1"],
        ["note", "0"],
    ]
    assert "nothing on this page" in console.get("/console/exclusions?page=9").text


def test_a_declared_conflict_with_someone_unregistered_shows_their_email(
    console: ConsoleClient, client: TestClient, pair: dict[str, dict[str, object]]
) -> None:
    token = str(pair["token"]["token"])
    declared = client.post(
        "/me/conflicts", json={"email": "pat@example.org"}, headers=bearer(token)
    )
    assert declared.status_code == 201
    (row,) = rows_of(console.get("/console/exclusions").text)
    assert row.startswith(
        "Alex Reid Riverside Home Care CIC pat@example.org not registered as a mentor"
    )
    assert "by mentee" in row


def test_lifting_asks_first_then_lifts(
    console: ConsoleClient, session: Session, pair: dict[str, dict[str, object]]
) -> None:
    exclusion = Exclusion(
        mentee_id=pair["mentee"]["id"],
        mentor_id=pair["mentor"]["id"],
        reason=ExclusionReason.declined,
        declared_by=Role.coordinator,
    )
    session.add(exclusion)
    session.commit()
    confirm = console.get(f"/console/exclusions/{exclusion.id}/lift")
    assert confirm.status_code == 200
    assert title_of(confirm.text) == "Lift this exclusion? – mentormatch"
    assert "Alex Reid (Riverside Home Care CIC)" in confirm.text
    assert session.get(Exclusion, exclusion.id) is not None  # asking changes nothing

    response = console.post(f"/console/exclusions/{exclusion.id}/lift")
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Exclusion, exclusion.id) is None
    page = console.get(response.headers["location"]).text
    assert "Lifted the exclusion: Alex Reid and Sam Okafor may be proposed" in page
    assert console.post(f"/console/exclusions/{exclusion.id}/lift").status_code == 404
