"""A server killed in the middle of a match run leaves a consistent database.

A ``mentormatch serve`` process (one worker) runs on a scratch database holding a
cohort large enough that ``POST /match-runs`` takes a couple of seconds. The run is
started, and the server is killed with SIGKILL while it works on it: on PostgreSQL
once the request's transaction has written (the run row, its proposals), on SQLite
part-way through the run's measured duration. Either the run is stored whole or
not at all; and a restarted server runs the matching again as if nothing happened.
"""

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service import demo
from service.db import make_engine
from service.migrate import upgrade_url
from service.models import Role
from service.security import issue_token
from tests.factories import bearer
from tests.postgres import reachable_server, scratch_database
from tests.servers import Process, base_url, server_environment, start, stop
from tests.test_stress import QUIET_AND_UNLIMITED

MENTEES = 6000
MENTORS = 2500
RUN_TIMEOUT = 60.0
SQLITE_KILL_AT = 0.6  # of the measured run time


@dataclass(frozen=True)
class Database:
    url: str
    backend: str
    name: str


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield Database(f"sqlite:///{tmp_path / 'kill.db'}", "sqlite", "kill.db")
        return
    with scratch_database(reachable_server(), "mentormatch_kill") as url:
        yield Database(url.render_as_string(hide_password=False), "postgresql", str(url.database))


def start_server(database: Database, tmp_path: Path, label: str) -> tuple[Process, str]:
    env = server_environment(database.url, settings=QUIET_AND_UNLIMITED)
    return start(env, tmp_path, tmp_path / f"{label}.log"), base_url(env)


def kill(process: Any) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def consistency_problems(engine: Engine) -> list[str]:
    """Everything that would show a run stored by halves."""
    checks = {
        "a run whose proposals do not add up to its matched_count": """
            SELECT r.id FROM match_run r LEFT JOIN proposal x ON x.match_run_id = r.id
            GROUP BY r.id, r.matched_count HAVING count(x.id) <> r.matched_count""",
        "a run whose unmatched list does not add up to its unmatched_count": """
            SELECT r.id FROM match_run r LEFT JOIN unmatched_mentee u ON u.match_run_id = r.id
            GROUP BY r.id, r.unmatched_count HAVING count(u.id) <> r.unmatched_count""",
        "proposals without their run": """
            SELECT x.id FROM proposal x LEFT JOIN match_run r ON r.id = x.match_run_id
            WHERE r.id IS NULL""",
        "unmatched entries without their run": """
            SELECT u.id FROM unmatched_mentee u LEFT JOIN match_run r ON r.id = u.match_run_id
            WHERE r.id IS NULL""",
        "pairings, though nobody accepted anything": "SELECT id FROM pairing",
    }
    problems = []
    with engine.connect() as connection:
        for name, sql in checks.items():
            rows = connection.execute(text(sql)).all()
            if rows:
                problems.append(f"{name}: {[tuple(row) for row in rows[:5]]}")
        if engine.dialect.name == "sqlite":
            integrity = connection.execute(text("PRAGMA integrity_check")).scalar_one()
            if integrity != "ok":
                problems.append(f"integrity_check: {integrity}")
    return problems


def run_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT id FROM match_run ORDER BY id")).scalars())


def has_written(monitor: Engine, name: str) -> bool:
    """Whether a transaction on the database has written something and not yet ended."""
    with monitor.connect() as connection:
        count = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    return bool(count)


@pytest.mark.slow
def test_a_server_killed_during_a_match_run_leaves_no_half_run(
    database: Database, tmp_path: Path
) -> None:
    upgrade_url(database.url)
    engine = make_engine(database.url)
    monitor = make_engine(database.url, isolation_level="AUTOCOMMIT")
    try:
        with Session(engine) as session:
            demo.load(session=session, mentees=MENTEES, mentors=MENTORS, seed=1)
            _, secret = issue_token(session=session, role=Role.coordinator, name="kill test")
            session.commit()
        headers = bearer(secret)

        process, base = start_server(database, tmp_path, "first")
        outcome: dict[str, Any] = {}
        try:
            # One run to completion, to know how long a run takes here.
            started = time.monotonic()
            measured = httpx.post(
                f"{base}/match-runs", headers=headers, json={}, timeout=RUN_TIMEOUT
            )
            run_seconds = time.monotonic() - started
            assert measured.status_code == 201, measured.text
            assert measured.json()["matched_count"] > 0
            # The answer may come before the commit (see the test below): wait for the commit.
            deadline = time.monotonic() + 30
            while measured.json()["id"] not in run_ids(engine):
                assert time.monotonic() < deadline, "the measured run was never committed"
                time.sleep(0.05)
            before = run_ids(engine)

            def post_run() -> None:
                try:
                    response = httpx.post(
                        f"{base}/match-runs", headers=headers, json={}, timeout=RUN_TIMEOUT
                    )
                    outcome["status"] = response.status_code
                except httpx.HTTPError as error:
                    outcome["error"] = type(error).__name__

            request = threading.Thread(target=post_run)
            started = time.monotonic()
            request.start()
            if database.backend == "postgresql":
                # Kill once the request's transaction has written, before it commits.
                deadline = started + 3 * run_seconds + 5
                while not has_written(monitor, database.name):
                    assert request.is_alive(), f"the run finished before the kill: {outcome}"
                    assert time.monotonic() < deadline, "the run never wrote anything"
                    time.sleep(0.005)
                outcome["written"] = True
            else:
                time.sleep(SQLITE_KILL_AT * run_seconds)
            outcome["killed_after"] = round(time.monotonic() - started, 2)
            kill(process)
            request.join(timeout=RUN_TIMEOUT)
            assert not request.is_alive()
        finally:
            kill(process)

        assert process.returncode == -signal.SIGKILL
        assert "status" not in outcome, f"the server answered before it was killed: {outcome}"
        if database.backend == "postgresql":
            # The dead server's transaction is rolled back once PostgreSQL notices.
            deadline = time.monotonic() + 30
            while has_written(monitor, database.name):
                assert time.monotonic() < deadline, "the killed transaction never ended"
                time.sleep(0.05)
        assert consistency_problems(engine) == [], outcome
        assert run_ids(engine) == before, f"the killed run was stored: {outcome}"

        # A restarted server runs the matching again, whole.
        process, base = start_server(database, tmp_path, "second")
        try:
            response = httpx.post(
                f"{base}/match-runs", headers=headers, json={}, timeout=RUN_TIMEOUT
            )
            assert response.status_code == 201, response.text
            run = response.json()
            assert run["matched_count"] == measured.json()["matched_count"]
            proposals = httpx.get(
                f"{base}/match-runs/{run['id']}/proposals?limit=1", headers=headers, timeout=10
            ).json()
            assert proposals["count"] == run["matched_count"]
            unmatched = httpx.get(
                f"{base}/match-runs/{run['id']}/unmatched?limit=1", headers=headers, timeout=10
            ).json()
            assert unmatched["count"] == run["unmatched_count"]
        finally:
            stop(process)
        assert consistency_problems(engine) == []
        assert run_ids(engine) == [*before, run["id"]]
    finally:
        monitor.dispose()
        engine.dispose()


def test_a_created_answer_is_sent_only_after_the_commit(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from service.config import Settings
    from service.main import create_app
    from tests.factories import mentor_payload

    url = f"sqlite:///{tmp_path / 'order.db'}"
    upgrade_url(url)
    engine = make_engine(url)
    app = create_app(Settings(database_url=url))
    app.state.engine = engine
    events: list[str] = []

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        async def send_and_record(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("answered")
            await send(message)

        await app(scope, receive, send_and_record)

    event.listen(engine, "commit", lambda _connection: events.append("committed"))
    try:
        with TestClient(recording) as client:  # type: ignore[arg-type]
            # An anonymous registration: its profile and message are committed first too.
            response = client.post("/mentors", json=mentor_payload())
            assert response.status_code == 202
        assert events == ["committed", "answered"]
    finally:
        engine.dispose()
