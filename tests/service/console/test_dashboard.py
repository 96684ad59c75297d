"""The dashboard: who waits, who has places left, how pairings went, the match rate."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from service.crud import statistics
from service.models import Mentee, utcnow
from tests.factories import mentee_payload, mentor_payload
from tests.service.console.conftest import ConsoleClient, plain, title_of


def add(client: TestClient, headers: dict[str, str], kind: str, **fields: object) -> int:
    factory = mentee_payload if kind == "mentee" else mentor_payload
    response = client.post(f"/{kind}s", json=factory(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()[kind]["id"])


def pair(client: TestClient, headers: dict[str, str], mentee: int, mentor: int) -> int:
    response = client.post(
        "/pairings", json={"mentee_id": mentee, "mentor_id": mentor}, headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def end(client: TestClient, headers: dict[str, str], pairing: int, status: str) -> None:
    response = client.post(f"/pairings/{pairing}/end", json={"status": status}, headers=headers)
    assert response.status_code == 200, response.text


def test_an_empty_programme(console: ConsoleClient, session: Session) -> None:
    summary = statistics.summary(session=session, now=utcnow())
    assert summary.waiting_mentees == 0
    assert summary.longest_wait is None
    assert summary.match_rate is None
    page = console.get("/console")
    assert title_of(page.text) == "Dashboard – mentormatch"
    assert "Nobody is waiting" in page.text
    assert "No mentees yet" in page.text


def test_the_figures_follow_the_programme(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], session: Session
) -> None:
    busy = add(client, coordinator, "mentor", capacity=2)
    free = add(client, coordinator, "mentor", capacity=3)
    paused = add(client, coordinator, "mentor", capacity=5)
    client.patch(f"/mentors/{paused}", json={"status": "paused"}, headers=coordinator)
    mentees = [add(client, coordinator, "mentee") for _ in range(6)]
    withdrawn = add(client, coordinator, "mentee")
    client.patch(f"/mentees/{withdrawn}", json={"status": "withdrawn"}, headers=coordinator)

    pair(client, coordinator, mentees[0], busy)
    pair(client, coordinator, mentees[1], busy)
    end(client, coordinator, pair(client, coordinator, mentees[2], free), "completed")
    end(client, coordinator, pair(client, coordinator, mentees[3], free), "ended_early")
    # Mentees 3 (back to waiting after an early end), 4 and 5 wait; the oldest for 10 days.
    session.execute(
        update(Mentee)
        .where(col(Mentee.id) == mentees[4])
        .values(created_at=utcnow() - timedelta(days=10, hours=2))
    )
    session.commit()

    summary = statistics.summary(session=session, now=utcnow())
    assert summary.waiting_mentees == 3
    assert summary.longest_wait is not None
    assert summary.longest_wait.days == 10
    assert (summary.mentors_with_places, summary.places_left) == (1, 3)
    assert (
        summary.active_pairings,
        summary.completed_pairings,
        summary.ended_early_pairings,
    ) == (2, 1, 1)
    # Paired at least once: 0, 1, 2 and 3, of the six who did not withdraw unpaired.
    assert (summary.mentees_paired, summary.mentees_seeking) == (4, 6)

    text = plain(console.get("/console").text)
    assert "3 mentees waiting" in text
    assert "3 places left with mentors" in text
    assert "2 active pairings" in text
    assert "67% match rate" in text
    assert "10 days since registering" in text
    assert "4 of 6 mentees paired at least once (67%)" in text
    assert "Completed 1" in text
    assert "Ended early 1" in text
