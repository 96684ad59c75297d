"""The pairing invariants hold under concurrent requests, on the engine under test.

These tests use a migrated database of their own and the app's real session
handling (no per-test transaction), so that each request commits for real.
"""

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from service.api import preconditions
from service.config import Settings
from service.db import make_engine
from service.main import create_app
from service.migrate import upgrade_url
from service.models import Pairing, PairingStatus, Role
from service.security import issue_token
from tests.factories import bearer, mentee_payload, mentor_payload

THREADS = 8


@pytest.fixture
def live(empty_database_url: str) -> Iterator[tuple[FastAPI, Engine, dict[str, str]]]:
    upgrade_url(empty_database_url)
    engine = make_engine(empty_database_url, pool_size=THREADS + 2)
    app = create_app(Settings(database_url=empty_database_url))
    app.state.engine = engine
    with Session(engine) as session:
        _, secret = issue_token(session=session, role=Role.coordinator, name="load")
        session.commit()
    yield app, engine, bearer(secret)
    engine.dispose()


def create(app: FastAPI, headers: dict[str, str], kind: str, **overrides: Any) -> int:
    payload = mentor_payload(**overrides) if kind == "mentor" else mentee_payload(**overrides)
    response = TestClient(app).post(f"/{kind}s", headers=headers, json=payload)
    assert response.status_code == 201, response.text
    return int(response.json()[kind]["id"])


def at_once(app: FastAPI, requests: list[Callable[[TestClient], Any]]) -> list[Any]:
    """Send the requests from separate threads released together; return the responses."""
    barrier = threading.Barrier(len(requests))
    responses: list[Any] = [None] * len(requests)

    def worker(index: int) -> None:
        client = TestClient(app)
        barrier.wait()
        responses[index] = requests[index](client)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def active_per(engine: Engine, column: Any) -> Counter[int]:
    with Session(engine) as session:
        rows = session.exec(
            select(column, func.count())
            .where(Pairing.status == PairingStatus.active)
            .group_by(column)
        ).all()
    return Counter(dict(rows))


def test_concurrent_manual_pairings_never_exceed_capacity(
    live: tuple[FastAPI, Engine, dict[str, str]],
) -> None:
    app, engine, headers = live
    mentor = create(app, headers, "mentor", capacity=2)
    mentees = [create(app, headers, "mentee") for _ in range(THREADS)]
    responses = at_once(
        app,
        [
            lambda client, mentee=mentee: client.post(
                "/pairings", headers=headers, json={"mentee_id": mentee, "mentor_id": mentor}
            )
            for mentee in mentees
        ],
    )
    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [201, 201] + [409] * (THREADS - 2)
    assert active_per(engine, Pairing.mentor_id) == {mentor: 2}


def test_one_mentee_paired_concurrently_to_many_mentors_gets_one(
    live: tuple[FastAPI, Engine, dict[str, str]],
) -> None:
    app, engine, headers = live
    mentee = create(app, headers, "mentee")
    mentors = [create(app, headers, "mentor", capacity=3) for _ in range(THREADS)]
    responses = at_once(
        app,
        [
            lambda client, mentor=mentor: client.post(
                "/pairings", headers=headers, json={"mentee_id": mentee, "mentor_id": mentor}
            )
            for mentor in mentors
        ],
    )
    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [201] + [409] * (THREADS - 1)
    assert active_per(engine, Pairing.mentee_id) == {mentee: 1}


def test_concurrent_accepts_of_one_run_accept_each_proposal_once(
    live: tuple[FastAPI, Engine, dict[str, str]],
) -> None:
    app, engine, headers = live
    mentor = create(app, headers, "mentor", capacity=2)
    for _ in range(4):
        create(app, headers, "mentee")
    run = TestClient(app).post("/match-runs", headers=headers, json={}).json()
    responses = at_once(
        app,
        [
            lambda client: client.post(f"/match-runs/{run['id']}/accept", headers=headers, json={})
            for _ in range(THREADS)
        ],
    )
    # The first accept takes both open proposals; the others find none left to accept.
    assert [r.status_code for r in responses] == [200] * THREADS
    assert sorted(r.json()["count"] for r in responses) == [0] * (THREADS - 1) + [2]
    assert active_per(engine, Pairing.mentor_id) == {mentor: 2}


def test_concurrent_reject_and_accept_of_one_proposal_agree(
    live: tuple[FastAPI, Engine, dict[str, str]],
) -> None:
    app, engine, headers = live
    create(app, headers, "mentor", capacity=1)
    create(app, headers, "mentee")
    run = TestClient(app).post("/match-runs", headers=headers, json={}).json()
    (proposal,) = (
        TestClient(app).get(f"/match-runs/{run['id']}/proposals", headers=headers).json()["data"]
    )
    reject_path = f"/match-runs/{run['id']}/proposals/{proposal['id']}/reject"
    accept_path = f"/match-runs/{run['id']}/accept"
    responses = at_once(
        app,
        [
            lambda client: client.post(reject_path, headers=headers, json={"reason": "no"}),
            lambda client: client.post(
                accept_path, headers=headers, json={"proposal_ids": [proposal["id"]]}
            ),
        ]
        * 3,
    )
    assert all(r.status_code in (200, 409) for r in responses)
    final = TestClient(app).get(f"/match-runs/{run['id']}/proposals", headers=headers).json()
    status = final["data"][0]["status"]
    paired = sum(active_per(engine, Pairing.mentee_id).values())
    assert (status, paired) in {("accepted", 1), ("rejected", 0)}


def test_an_edit_with_if_match_holds_the_profile_before_comparing_tags(
    live: tuple[FastAPI, Engine, dict[str, str]],
) -> None:
    """Two edits sent with the same ETag cannot both pass the comparison."""
    app, engine, headers = live
    if engine.dialect.name == "sqlite":
        pytest.skip("on SQLite every write holds the whole database (BEGIN IMMEDIATE)")
    mentor = create(app, headers, "mentor")
    with Session(engine) as first, Session(engine) as second:
        preconditions.hold(session=first, if_match='"a"', mentor_id=mentor)
        second.execute(text("SET LOCAL lock_timeout = '200ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            preconditions.hold(session=second, if_match='"a"', mentor_id=mentor)
        second.rollback()
        # Without If-Match an edit takes no lock before its own UPDATE.
        preconditions.hold(session=second, if_match=None, mentor_id=mentor)
        first.rollback()
        preconditions.hold(session=second, if_match='"a"', mentor_id=mentor)
