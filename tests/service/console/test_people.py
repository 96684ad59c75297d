"""The mentor and mentee registers: filters and pages in SQL, profiles, status, erasure."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.console.pagination import PAGE_SIZE
from tests.factories import mentee_payload, mentor_payload
from tests.service.console.conftest import (
    ConsoleClient,
    error_messages,
    plain,
    summary_errors,
    title_of,
)


def rows_of(html: str) -> list[str]:
    if '<tbody class="govuk-table__body">' not in html:
        return []
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [plain(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def register(client: TestClient, headers: dict[str, str], kind: str, **fields: Any) -> Any:
    payload = mentor_payload(**fields) if kind == "mentor" else mentee_payload(**fields)
    response = client.post(f"/{kind}s", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()[kind]


@pytest.mark.parametrize("plural", ["mentors", "mentees"])
def test_an_empty_register_says_so(console: ConsoleClient, plural: str) -> None:
    page = console.get(f"/console/{plural}")
    assert page.status_code == 200
    assert title_of(page.text) == f"{plural.capitalize()} – mentormatch"
    assert f"There are no {plural} yet." in page.text
    assert 'aria-current="page"' in page.text.split(f'href="/console/{plural}"', 1)[0][-200:] or (
        f'href="/console/{plural}" aria-current="page"' in page.text
    )


def test_mentors_show_labels_and_places_left(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = register(
        client, coordinator, "mentor", name="Sam Okafor", organisation="Northern Care Mutual"
    )
    mentee = register(client, coordinator, "mentee")
    pairing = client.post(
        "/pairings",
        json={"mentee_id": mentee["id"], "mentor_id": mentor["id"]},
        headers=coordinator,
    )
    assert pairing.status_code == 201, pairing.text
    page = console.get("/console/mentors").text
    assert rows_of(page) == [
        "Sam Okafor Northern Care Mutual Active 1 of 2 Adult social care, Home care "
        "Governance and boards, Bid writing and tendering, TUPE North West"
    ]
    assert "Showing 1 to 1 of 1 mentor, in order of registration." in plain(page)


def test_mentees_show_labels_and_registration(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    register(client, coordinator, "mentee", name="Alex Reid", organisation="Riverside CIC")
    rows = rows_of(console.get("/console/mentees").text)
    assert len(rows) == 1
    assert rows[0].startswith(
        "Alex Reid Riverside CIC Waiting Adult social care Governance and boards, Pricing "
        "North West "
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Ada", "Ben", "Cat"]),
        ("sector=housing", ["Ben"]),
        ("skill=pensions", ["Cat"]),
        ("region=london", ["Ben"]),
        ("region=yorkshire_humber", ["Ada", "Cat"]),
        ("status=paused", ["Cat"]),
        ("q=riverside", ["Ada"]),
        ("q=BEN", ["Ben"]),
        ("sector=housing&status=active", ["Ben"]),
        ("sector=housing&status=paused", []),
        ("sector=&skill=&region=&status=&q=", ["Ada", "Ben", "Cat"]),
    ],
)
def test_mentor_filters(
    console: ConsoleClient,
    client: TestClient,
    coordinator: dict[str, str],
    query: str,
    expected: list[str],
) -> None:
    register(client, coordinator, "mentor", name="Ada", organisation="Riverside Mutual")
    register(
        client,
        coordinator,
        "mentor",
        name="Ben",
        sectors=["housing"],
        home_region="london",
        regions_served=[],
    )
    cat = register(client, coordinator, "mentor", name="Cat", skills=["pensions"])
    client.patch(f"/mentors/{cat['id']}", json={"status": "paused"}, headers=coordinator)
    page = console.get(f"/console/mentors?{query}")
    assert page.status_code == 200
    names = [row.split(" ", 1)[0] for row in rows_of(page.text)]
    assert names == expected
    if expected == []:
        assert "No mentors match these filters." in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sector=home_care", ["Ada"]),
        ("sector=housing", ["Ben"]),
        ("skill=tupe", ["Ben"]),
        ("region=london", ["Ben"]),
        ("status=waiting", ["Ada"]),
        ("status=withdrawn", ["Ben"]),
    ],
)
def test_mentee_filters(
    console: ConsoleClient,
    client: TestClient,
    coordinator: dict[str, str],
    query: str,
    expected: list[str],
) -> None:
    register(client, coordinator, "mentee", name="Ada")
    ben = register(
        client,
        coordinator,
        "mentee",
        name="Ben",
        primary_sector="housing",
        other_sectors=[],
        region="london",
        needs=[{"skill": "tupe", "priority": 2}],
    )
    client.patch(f"/mentees/{ben['id']}", json={"status": "withdrawn"}, headers=coordinator)
    names = [row.split(" ", 1)[0] for row in rows_of(console.get(f"/console/mentees?{query}").text)]
    assert names == expected


def test_the_filter_form_keeps_what_was_chosen(console: ConsoleClient) -> None:
    page = console.get("/console/mentees?sector=housing&status=paired&q=Mutual").text
    assert '<option value="housing" selected>' in page
    assert '<option value="paired" selected>' in page
    assert re.search(r'<input[^>]*name="q"[^>]*value="Mutual"', page)
    assert "Clear filters" in page
    assert "No mentees match these filters." in page
    assert "Clear filters" not in console.get("/console/mentees").text


def test_an_unknown_status_is_refused_by_name(console: ConsoleClient) -> None:
    page = console.get("/console/mentors?status=waiting&q=Ada")
    assert page.status_code == 422
    assert title_of(page.text) == "Error: Mentors – mentormatch"
    message = "unknown mentor status 'waiting'; valid: pending, active, paused, withdrawn"
    assert error_messages(page.text) == [f"Error: {message}"]
    assert summary_errors(page.text) == [f"Status: {message}"]
    assert re.search(r'<input[^>]*name="q"[^>]*value="Ada"', page.text)
    assert rows_of(page.text) == []


def test_pages_are_cut_in_sql_and_keep_the_filters(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    for number in range(PAGE_SIZE + 2):
        register(client, coordinator, "mentee", name=f"Person {number:03d}", region="london")
    register(client, coordinator, "mentee", name="Elsewhere", region="wales")
    first = console.get("/console/mentees?region=london").text
    assert len(rows_of(first)) == PAGE_SIZE
    assert f"Showing 1 to {PAGE_SIZE} of {PAGE_SIZE + 2} mentees matching the filters" in (
        plain(first)
    )
    assert 'href="/console/mentees?region=london&amp;page=2"' in first
    second = console.get("/console/mentees?region=london&page=2")
    assert title_of(second.text) == "Mentees (page 2) – mentormatch"
    assert [row.split(" ")[1] for row in rows_of(second.text)] == [
        f"{PAGE_SIZE:03d}",
        f"{PAGE_SIZE + 1:03d}",
    ]
    assert 'href="/console/mentees?region=london"' in second.text
    beyond = console.get("/console/mentees?region=london&page=9")
    assert "There is nothing on this page." in beyond.text


def test_a_mentor_profile(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = register(client, coordinator, "mentor", name="Sam Okafor", capacity=3)
    page = console.get(f"/console/mentors/{mentor['id']}")
    assert page.status_code == 200
    assert title_of(page.text) == "Sam Okafor – mentormatch"
    text = plain(page.text)
    for shown in (
        "Places left 3 of 3",
        "Kind Peer",
        "Skills Governance and boards, Bid writing and tendering, TUPE",
        "Also serves Yorkshire and the Humber",
        "Meeting In person or remote",
        f"Email {mentor['email']}",
    ):
        assert shown in text
    assert 'value="active" checked' in page.text


def test_a_mentee_profile(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee = register(client, coordinator, "mentee", name="Alex Reid")
    page = console.get(f"/console/mentees/{mentee['id']}")
    text = plain(page.text)
    assert "Needs Governance and boards (essential) Pricing (nice to have)" in text
    assert "Legal form CIC limited by guarantee Stage Spinning out" in text
    assert "Goals Agree a governance model with staff before the transfer." in text
    assert 'value="waiting" checked' in page.text


@pytest.mark.parametrize("plural", ["mentors", "mentees"])
def test_an_unknown_person_is_not_found(console: ConsoleClient, plural: str) -> None:
    page = console.get(f"/console/{plural}/999999")
    assert page.status_code == 404
    assert f"No {plural[:-1]} with id 999999." in page.text


def test_changing_a_status_is_the_apis_update(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = register(client, coordinator, "mentor", name="Sam Okafor")
    response = console.post(f"/console/mentors/{mentor['id']}/status", {"status": "paused"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/mentors/{mentor['id']}"
    page = console.get(f"/console/mentors/{mentor['id']}").text
    assert "Sam Okafor is now paused" in page
    assert 'value="paused" checked' in page
    assert client.get(f"/mentors/{mentor['id']}", headers=coordinator).json()["status"] == "paused"
    audit = client.get("/audit-events", headers=coordinator).json()["data"]
    changes = [entry for entry in audit if entry["action"] == "mentor.status_changed"]
    assert [entry["actor_name"] for entry in changes] == ["Console tester"]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("", "choose a status: pending, waiting, paired, withdrawn"),
        ("active", "Input should be 'pending', 'waiting', 'paired' or 'withdrawn'"),
    ],
)
def test_a_wrong_status_is_shown_beside_the_field(
    console: ConsoleClient,
    client: TestClient,
    coordinator: dict[str, str],
    status: str,
    message: str,
) -> None:
    mentee = register(client, coordinator, "mentee")
    response = console.post(f"/console/mentees/{mentee['id']}/status", {"status": status})
    assert response.status_code == 422
    assert title_of(response.text).startswith("Error: ")
    assert error_messages(response.text) == [f"Error: {message}"]
    assert client.get(f"/mentees/{mentee['id']}", headers=coordinator).json()["status"] == (
        "waiting"
    )


def test_erasing_asks_first_then_erases_as_the_api_does(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = register(client, coordinator, "mentor", name="Sam Okafor")
    mentee = register(client, coordinator, "mentee", name="Alex Reid")
    pairing = client.post(
        "/pairings",
        json={"mentee_id": mentee["id"], "mentor_id": mentor["id"]},
        headers=coordinator,
    ).json()
    profile = console.get(f"/console/mentors/{mentor['id']}").text
    assert f'href="/console/mentors/{mentor["id"]}/erase"' in profile
    check = console.get(f"/console/mentors/{mentor['id']}/erase")
    assert title_of(check.text) == "Erase Sam Okafor? – mentormatch"
    assert "their mentees go back to waiting" in check.text
    assert client.get(f"/mentors/{mentor['id']}", headers=coordinator).status_code == 200

    response = console.post(f"/console/mentors/{mentor['id']}/erase")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/mentors"
    page = console.get("/console/mentors").text
    assert "Erased Sam Okafor: their mentor profile no longer identifies them" in page
    assert "There are no mentors yet." in page
    assert client.get(f"/mentors/{mentor['id']}", headers=coordinator).status_code == 404
    ended = client.get(f"/pairings/{pairing['id']}", headers=coordinator).json()
    assert ended["status"] == "ended_early"
    assert client.get(f"/mentees/{mentee['id']}", headers=coordinator).json()["status"] == (
        "waiting"
    )
    assert console.get(f"/console/mentors/{mentor['id']}").status_code == 404


@pytest.mark.parametrize("kind", ["mentor", "mentee"])
def test_a_new_personal_token_is_shown_once_and_replaces_the_old(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], kind: str
) -> None:
    payload = mentor_payload() if kind == "mentor" else mentee_payload()
    registered = client.post(f"/{kind}s", json=payload, headers=coordinator).json()
    person, old = registered[kind], registered["token"]
    assert client.get("/me", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    profile = console.get(f"/console/{kind}s/{person['id']}").text
    assert f'action="/console/{kind}s/{person["id"]}/token"' in profile

    page = console.post(f"/console/{kind}s/{person['id']}/token")
    assert page.status_code == 200
    assert title_of(page.text) == f"New personal token for {person['name']} – mentormatch"
    found = re.search(r'<code class="mm-token" id="token">([^<]+)</code>', page.text)
    assert found
    new = found.group(1)
    assert new != old
    me = client.get("/me", headers={"Authorization": f"Bearer {new}"})
    assert me.status_code == 200
    assert client.get("/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert page.headers["cache-control"] == "no-store"
