"""Status fields never contradict pairings: capacity holds the active pairings, and a
mentee's status says whether they have one.

The rules are checked under the same locks as pairing, so the last tests race an
update against a pairing on a database of their own, with real commits.
"""

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.config import Settings
from service.db import make_engine
from service.main import create_app
from service.migrate import upgrade_url
from service.models import Role
from service.security import issue_token
from tests.factories import bearer, mentee_payload, mentor_payload


def register(
    client: TestClient, coordinator: dict[str, str], kind: str, **overrides: Any
) -> tuple[int, dict[str, str]]:
    """A person registered by a coordinator (active at once), and their personal token."""
    payload = mentor_payload(**overrides) if kind == "mentor" else mentee_payload(**overrides)
    response = client.post(f"/{kind}s", json=payload, headers=coordinator)
    assert response.status_code == 201, response.text
    return response.json()[kind]["id"], bearer(response.json()["token"])


def pair(client: TestClient, headers: dict[str, str], mentee: int, mentor: int) -> int:
    response = client.post(
        "/pairings", headers=headers, json={"mentee_id": mentee, "mentor_id": mentor}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_capacity_below_the_active_pairings_is_refused_naming_them(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor, mentor_token = register(client, coordinator, "mentor", capacity=3)
    pairings = [
        pair(client, coordinator, register(client, coordinator, "mentee")[0], mentor)
        for _ in range(2)
    ]
    for headers, path in ((coordinator, f"/mentors/{mentor}"), (mentor_token, "/me")):
        response = client.patch(path, headers=headers, json={"capacity": 1})
        assert response.status_code == 409, response.text
        (error,) = response.json()["errors"]
        assert error["field"] == "capacity"
        assert f"2 active pairings ({pairings[0]}, {pairings[1]})" in error["message"]
    profile = client.get(f"/mentors/{mentor}", headers=coordinator).json()
    assert profile["capacity"] == 3
    # Down to exactly the active pairings is fine, from either side.
    assert client.patch("/me", headers=mentor_token, json={"capacity": 2}).status_code == 200
    response = client.patch(f"/mentors/{mentor}", headers=coordinator, json={"capacity": 2})
    assert response.status_code == 200


def test_a_paired_mentee_cannot_be_set_waiting_or_withdrawn(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor, _ = register(client, coordinator, "mentor")
    mentee, _ = register(client, coordinator, "mentee")
    pairing = pair(client, coordinator, mentee, mentor)
    for status in ("waiting", "withdrawn"):
        response = client.patch(f"/mentees/{mentee}", headers=coordinator, json={"status": status})
        assert response.status_code == 409, response.text
        (error,) = response.json()["errors"]
        assert error["field"] == "status"
        assert f"active pairing {pairing} with mentor {mentor}" in error["message"]
        assert f"POST /pairings/{pairing}/end" in error["message"]
    # Saying what is already true, with another change, is fine.
    response = client.patch(
        f"/mentees/{mentee}", headers=coordinator, json={"status": "paired", "goals": "More."}
    )
    assert response.status_code == 200, response.text
    ended = client.post(
        f"/pairings/{pairing}/end", headers=coordinator, json={"status": "ended_early"}
    )
    assert ended.status_code == 200
    for status in ("withdrawn", "waiting"):
        response = client.patch(f"/mentees/{mentee}", headers=coordinator, json={"status": status})
        assert response.status_code == 200, response.text


def test_a_mentee_without_a_pairing_cannot_be_set_paired(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee, _ = register(client, coordinator, "mentee")
    response = client.patch(f"/mentees/{mentee}", headers=coordinator, json={"status": "paired"})
    assert response.status_code == 409
    assert "no active pairing" in response.json()["errors"][0]["message"]
    assert client.get(f"/mentees/{mentee}", headers=coordinator).json()["status"] == "waiting"


# -- races, with real commits --------------------------------------------------------------


@pytest.fixture
def live(empty_database_url: str) -> Iterator[tuple[FastAPI, Engine, dict[str, str]]]:
    upgrade_url(empty_database_url)
    engine = make_engine(empty_database_url, pool_size=8)
    app = create_app(Settings(database_url=empty_database_url))
    app.state.engine = engine
    with Session(engine) as session:
        _, secret = issue_token(session=session, role=Role.coordinator, name="race")
        session.commit()
    yield app, engine, bearer(secret)
    engine.dispose()


def race(app: FastAPI, first: Any, second: Any) -> tuple[Any, Any]:
    """Send two requests from two threads released together."""
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def send(index: int, request: Any) -> None:
        client = TestClient(app)
        barrier.wait()
        answers[index] = request(client)

    threads = [
        threading.Thread(target=send, args=(i, request))
        for i, request in enumerate((first, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers[0], answers[1]


ROUNDS = 4


def test_lowering_capacity_and_a_new_pairing_at_once_never_both_succeed(
    live: tuple[FastAPI, Engine, dict[str, str]],
) -> None:
    app, engine, headers = live
    client = TestClient(app)
    outcomes = set()
    for _ in range(ROUNDS):
        mentor, _ = register(client, headers, "mentor", capacity=2)
        pair(client, headers, register(client, headers, "mentee")[0], mentor)
        newcomer, _ = register(client, headers, "mentee")
        lowered, paired = race(
            app,
            lambda c, m=mentor: c.patch(f"/mentors/{m}", headers=headers, json={"capacity": 1}),
            lambda c, m=mentor, n=newcomer: c.post(
                "/pairings", headers=headers, json={"mentee_id": n, "mentor_id": m}
            ),
        )
        outcomes.add((lowered.status_code, paired.status_code))
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT m.capacity, count(p.id) FROM mentor m LEFT JOIN pairing p"
                    " ON p.mentor_id = m.id AND p.status = 'active' WHERE m.id = :id"
                    " GROUP BY m.capacity"
                ),
                {"id": mentor},
            ).one()
        assert row[1] <= row[0], (lowered.text, paired.text)
    assert outcomes <= {(200, 409), (409, 201)}, outcomes


def test_setting_waiting_and_a_new_pairing_at_once_never_contradict(
    live: tuple[FastAPI, Engine, dict[str, str]],
) -> None:
    app, engine, headers = live
    client = TestClient(app)
    outcomes = set()
    for _ in range(ROUNDS):
        mentor, _ = register(client, headers, "mentor", capacity=1)
        mentee, _ = register(client, headers, "mentee")
        withdrawn, paired = race(
            app,
            lambda c, e=mentee: c.patch(
                f"/mentees/{e}", headers=headers, json={"status": "withdrawn"}
            ),
            lambda c, e=mentee, m=mentor: c.post(
                "/pairings", headers=headers, json={"mentee_id": e, "mentor_id": m}
            ),
        )
        outcomes.add((withdrawn.status_code, paired.status_code))
        with engine.connect() as connection:
            status, active = connection.execute(
                text(
                    "SELECT e.status, count(p.id) FROM mentee e LEFT JOIN pairing p"
                    " ON p.mentee_id = e.id AND p.status = 'active' WHERE e.id = :id"
                    " GROUP BY e.status"
                ),
                {"id": mentee},
            ).one()
        assert (status, active) in {("withdrawn", 0), ("paired", 1)}, (status, active)
    assert outcomes <= {(200, 409), (409, 201)}, outcomes
