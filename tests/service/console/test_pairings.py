"""The pairings page: names, the API's filters in SQL, and ending a pairing."""

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.models import Fit, Pairing
from tests.factories import mentee_payload, mentor_payload
from tests.service.console.conftest import (
    ConsoleClient,
    error_messages,
    plain,
    summary_errors,
    title_of,
)


def create(client: TestClient, headers: dict[str, str], kind: str, **fields: Any) -> Any:
    payload = mentor_payload(**fields) if kind == "mentor" else mentee_payload(**fields)
    response = client.post(f"/{kind}s", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()[kind]


def pair(client: TestClient, headers: dict[str, str], mentee: str, mentor: str) -> Any:
    people = (
        create(client, headers, "mentee", name=mentee),
        create(client, headers, "mentor", name=mentor),
    )
    response = client.post(
        "/pairings",
        json={"mentee_id": people[0]["id"], "mentor_id": people[1]["id"]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def names(html: str) -> list[str]:
    if '<tbody class="govuk-table__body">' not in html:
        return []
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [plain(row).split(" ", 1)[0] for row in rows]


@pytest.fixture
def three(client: TestClient, coordinator: dict[str, str], session: Session) -> list[Any]:
    """Ada's pairing ends soon, Ben's mentor says it is not a fit, Cat's has ended early."""
    ada = pair(client, coordinator, "Ada", "Mentor-A")
    ben = pair(client, coordinator, "Ben", "Mentor-B")
    cat = pair(client, coordinator, "Cat", "Mentor-C")
    soon = (date.today() + timedelta(days=10)).isoformat()
    client.patch(f"/pairings/{ada['id']}", json={"planned_end_on": soon}, headers=coordinator)
    later = (date.today() + timedelta(days=90)).isoformat()
    client.patch(f"/pairings/{ben['id']}", json={"planned_end_on": later}, headers=coordinator)
    row = session.get(Pairing, ben["id"])
    assert row is not None
    row.mentor_fit = Fit.not_a_fit
    session.add(row)
    session.commit()
    ended = client.post(
        f"/pairings/{cat['id']}/end", json={"status": "ended_early"}, headers=coordinator
    )
    assert ended.status_code == 200, ended.text
    return [ada, ben, cat]


def test_no_pairings_yet(console: ConsoleClient) -> None:
    page = console.get("/console/pairings")
    assert title_of(page.text) == "Pairings – mentormatch"
    assert "There are no pairings yet." in page.text


def test_pairings_show_names_dates_and_answers(console: ConsoleClient, three: list[Any]) -> None:
    page = console.get("/console/pairings").text
    assert names(page) == ["Ada", "Ben", "Cat"]
    body = plain(page.split("<tbody", 1)[1])
    assert "Ben New Mutual" in body
    assert "Mentor-B Mentor Organisation" in body
    assert "Mentee: no answer Mentor: Not a fit" in body
    assert "Ended early" in body
    assert f"Ends {(date.today() + timedelta(days=10)).strftime('%-d %b %Y')}" in body
    assert page.count('/end">End<span') == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=active", ["Ada", "Ben"]),
        ("status=ended_early", ["Cat"]),
        ("status=completed", []),
        ("fit=not_a_fit", ["Ben"]),
        ("ending=soon", ["Ada"]),
        ("status=active&fit=not_a_fit", ["Ben"]),
        ("status=&fit=&ending=", ["Ada", "Ben", "Cat"]),
    ],
)
def test_filters_are_the_apis(
    console: ConsoleClient,
    client: TestClient,
    coordinator: dict[str, str],
    three: list[Any],
    query: str,
    expected: list[str],
) -> None:
    page = console.get(f"/console/pairings?{query}")
    assert page.status_code == 200
    assert names(page.text) == expected
    if expected == []:
        assert "No pairings match these filters." in page.text


def test_the_ending_filter_says_by_when(console: ConsoleClient, three: list[Any]) -> None:
    page = console.get("/console/pairings?ending=soon").text
    by = (date.today() + timedelta(days=30)).strftime("%-d %B %Y")
    assert f"planned to end by {by}" in plain(page)
    assert re.search(r'name="ending" type="checkbox" value="soon" checked', page)


def test_unknown_filters_are_refused_by_name(console: ConsoleClient) -> None:
    page = console.get("/console/pairings?status=paused&fit=great")
    assert page.status_code == 422
    assert summary_errors(page.text) == [
        "Status: unknown status 'paused'; valid: active, completed, ended_early",
        "How it fits: unknown fit 'great'; valid: good_fit, still_deciding, not_a_fit",
    ]


def test_ending_early_asks_how_and_returns_the_mentee_to_waiting(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], three: list[Any]
) -> None:
    ben = three[1]
    address = f"/console/pairings/{ben['id']}/end"
    form = console.get(address)
    assert title_of(form.text) == "End this pairing – mentormatch"
    assert "Mentee: no answer; mentor: Not a fit" in plain(form.text)

    missing = console.post(address, {"reason": "Not working."})
    assert missing.status_code == 422
    assert error_messages(missing.text) == ["Error: Field required"]
    assert "Not working." in missing.text

    response = console.post(address, {"status": "ended_early", "reason": "Not working."})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/pairings"
    page = console.get("/console/pairings").text
    assert "The pairing of Ben and Mentor-B ended early; Ben is waiting for a new mentor" in page
    pairing = client.get(f"/pairings/{ben['id']}", headers=coordinator).json()
    assert (pairing["status"], pairing["end_reason"]) == ("ended_early", "Not working.")
    assert client.get(f"/mentees/{ben['mentee_id']}", headers=coordinator).json()["status"] == (
        "waiting"
    )
    again = console.get(address)
    assert again.status_code == 409
    assert f"Pairing {ben['id']} already ended (ended_early)." in again.text


def test_completing_a_pairing(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], three: list[Any]
) -> None:
    ada = three[0]
    response = console.post(f"/console/pairings/{ada['id']}/end", {"status": "completed"})
    assert response.status_code == 303
    assert "The pairing of Ada and Mentor-A completed" in console.get("/console/pairings").text
    assert client.get(f"/pairings/{ada['id']}", headers=coordinator).json()["status"] == (
        "completed"
    )
    refused = console.post(f"/console/pairings/{three[1]['id']}/end", {"status": "active"})
    assert refused.status_code == 422
    assert error_messages(refused.text) == ["Error: must be 'completed' or 'ended_early'"]


def test_an_unknown_pairing_is_not_found(console: ConsoleClient) -> None:
    assert console.get("/console/pairings/999999/end").status_code == 404


def test_pairing_by_hand_from_the_apis_suggestions(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee = create(client, coordinator, "mentee", name="Dee")
    for name in ("Mentor-X", "Mentor-Y"):
        create(client, coordinator, "mentor", name=name)
    profile = console.get(f"/console/mentees/{mentee['id']}").text
    address = f"/console/pairings/new?mentee_id={mentee['id']}"
    assert f'href="{address}"' in profile.replace("&amp;", "&")
    page = console.get(address)
    assert title_of(page.text) == "Pair Dee by hand – mentormatch"
    api = client.get(f"/mentees/{mentee['id']}/suggestions", headers=coordinator).json()["data"]
    assert names(page.text) == [s["mentor"]["name"] for s in api]
    chosen = api[0]["mentor"]
    response = console.post(
        "/console/pairings/new", {"mentee_id": str(mentee["id"]), "mentor_id": str(chosen["id"])}
    )
    assert response.status_code == 303
    assert f"Paired Dee with {chosen['name']}" in console.get("/console/pairings").text
    active = client.get("/pairings", params={"status": "active"}, headers=coordinator).json()
    assert [(p["mentee_id"], p["mentor_id"]) for p in active["data"]] == [
        (mentee["id"], chosen["id"])
    ]
    # Once paired, the mentee cannot be paired again: the API's words beside the list.
    again = console.post(
        "/console/pairings/new",
        {"mentee_id": str(mentee["id"]), "mentor_id": str(api[1]["mentor"]["id"])},
    )
    assert again.status_code == 409
    assert summary_errors(again.text) == [
        f"Mentor: mentee {mentee['id']} already has an active pairing"
    ]


def test_pairing_an_unknown_mentee_is_not_found(console: ConsoleClient) -> None:
    assert console.get("/console/pairings/new?mentee_id=999999").status_code == 404
    assert console.get("/console/pairings/new").status_code == 422
