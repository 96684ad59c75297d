"""A participant downloads their data and erases it; nothing of them is left but ids."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from service.models import Pairing
from tests.factories import bearer, mentee_payload, mentor_payload

SECRETS = {
    "name": "Zebedee Quux",
    "email": "zebedee.quux@example.org",
    "organisation": "Quuxworth Mutual CIC",
    "goals": "Quuxish plans for the staff board",
}


def every_value(session: Session) -> str:
    """Every value of every row of every table, as one text to search."""
    parts = []
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


@pytest.fixture
def history(client: TestClient, coordinator: dict[str, str]) -> dict[str, Any]:
    """A mentee with a full history: declared conflicts, a run, a rejection, a pairing."""
    # Someone declares a conflict with the mentee by email before they register.
    early = client.post("/mentors", json=mentor_payload(), headers=coordinator).json()
    client.post("/me/conflicts", headers=bearer(early["token"]), json={"email": SECRETS["email"]})
    mentee = client.post(
        "/mentees",
        json=mentee_payload(
            name=SECRETS["name"],
            email=SECRETS["email"],
            organisation=SECRETS["organisation"],
            goals=SECRETS["goals"],
        ),
        headers=coordinator,
    ).json()
    mentor = client.post("/mentors", json=mentor_payload(capacity=1), headers=coordinator).json()
    other = client.post("/mentors", json=mentor_payload(capacity=1), headers=coordinator).json()
    mentee_id = mentee["mentee"]["id"]
    client.post(
        "/exclusions",
        headers=coordinator,
        json={
            "mentee_id": mentee_id,
            "mentor_id": other["mentor"]["id"],
            "note": "Zebedee Quux knows them",
        },
    )
    client.post(
        "/me/conflicts", headers=bearer(mentee["token"]), json={"email": "nobody.else@example.org"}
    )
    run = client.post("/match-runs", headers=coordinator, json={}).json()
    (proposal,) = client.get(f"/match-runs/{run['id']}/proposals", headers=coordinator).json()[
        "data"
    ]
    client.post(
        f"/match-runs/{run['id']}/proposals/{proposal['id']}/reject",
        headers=coordinator,
        json={"reason": "Zebedee Quux asked for someone else"},
    )
    # The rejected mentor is now excluded; a coordinator pairs the mentee by hand.
    mentor = client.post("/mentors", json=mentor_payload(capacity=1), headers=coordinator).json()
    pairing = client.post(
        "/pairings",
        headers=coordinator,
        json={"mentee_id": mentee_id, "mentor_id": mentor["mentor"]["id"]},
    ).json()
    client.post(
        f"/me/pairings/{pairing['id']}/fit",
        headers=bearer(mentee["token"]),
        json={"fit": "good_fit"},
    )
    return {"mentee": mentee, "mentor": mentor, "pairing": pairing, "run": run}


def test_export_holds_everything_about_the_participant(
    client: TestClient, history: dict[str, Any]
) -> None:
    response = client.get("/me/export", headers=bearer(history["mentee"]["token"]))
    assert response.status_code == 200
    data = response.json()
    assert data["role"] == "mentee"
    assert data["profile"]["email"] == SECRETS["email"]
    assert data["profile"]["goals"] == SECRETS["goals"]
    assert [p["id"] for p in data["pairings"]] == [history["pairing"]["id"]]
    assert data["pairings"][0]["mentee_fit"] == "good_fit"
    assert [p["status"] for p in data["proposals"]] == ["rejected"]
    # Only the conflict they declared themselves: not one declared about them, nor the
    # coordinator's exclusions and their notes.
    assert [c["reason"] for c in data["conflicts_declared"]] == ["conflict_of_interest"]
    assert "knows them" not in response.text
    assert "asked for someone else" not in response.text


def test_erasure_leaves_no_personal_data_in_any_table(
    client: TestClient, coordinator: dict[str, str], session: Session, history: dict[str, Any]
) -> None:
    assert all(secret in every_value(session) for secret in SECRETS.values())
    pairings_before = session.execute(select(func.count()).select_from(Pairing)).scalar()

    token = bearer(history["mentee"]["token"])
    assert client.delete("/me", headers=token).status_code == 204

    remaining = every_value(session)
    for field, secret in SECRETS.items():
        assert secret not in remaining, field
    assert "Zebedee" not in remaining
    assert "Quux" not in remaining
    # History stays, anonymous: the pairing is there, ended early, with ids only.
    assert session.execute(select(func.count()).select_from(Pairing)).scalar() == pairings_before
    pairing = client.get(f"/pairings/{history['pairing']['id']}", headers=coordinator).json()
    assert pairing["status"] == "ended_early"
    assert pairing["mentee_id"] == history["mentee"]["mentee"]["id"]
    run = client.get(f"/match-runs/{history['run']['id']}", headers=coordinator).json()
    assert run["matched_count"] == 1
    # The person is gone from every view, and their token no longer works.
    assert client.get("/me", headers=token).status_code == 401
    mentee_id = history["mentee"]["mentee"]["id"]
    assert client.get(f"/mentees/{mentee_id}", headers=coordinator).status_code == 404
    assert client.get("/mentees", headers=coordinator).json()["count"] == 0
    assert SECRETS["email"] not in client.get("/mentees/export", headers=coordinator).text
    # The mentor is free again.
    mentor_token = bearer(history["mentor"]["token"])
    assert client.get("/me/pairings", headers=mentor_token).json()[0]["status"] == "ended_early"


def test_same_email_can_register_again_after_erasure(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    first = client.post(
        "/mentors", json=mentor_payload(email="again@example.org"), headers=coordinator
    ).json()
    client.delete("/me", headers=bearer(first["token"]))
    again = client.post(
        "/mentors", json=mentor_payload(email="again@example.org"), headers=coordinator
    )
    assert again.status_code == 201
    assert again.json()["mentor"]["id"] != first["mentor"]["id"]


def test_coordinator_delete_is_the_same_erasure(
    client: TestClient, coordinator: dict[str, str], session: Session
) -> None:
    mentor = client.post(
        "/mentors",
        json=mentor_payload(name=SECRETS["name"], email=SECRETS["email"]),
        headers=coordinator,
    ).json()
    assert (
        client.delete(f"/mentors/{mentor['mentor']['id']}", headers=coordinator).status_code == 204
    )
    remaining = every_value(session)
    assert SECRETS["name"] not in remaining
    assert SECRETS["email"] not in remaining
