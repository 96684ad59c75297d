"""A database that is down, locked or out of connections is a 503 with Retry-After, never a 500.

These tests build their own app on an engine that fails the way a database does in
production: a server nobody listens on, a file that cannot be opened, a SQLite
database whose write lock another connection holds, a pool with no connection left.
``/health`` (the process is up) answers throughout; ``/health/ready`` does not.
"""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from service.config import Settings
from service.db import make_engine
from service.main import create_app
from service.migrate import upgrade_url
from tests.factories import bearer, mentee_payload

UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2",
    "sqlite": "sqlite:////nonexistent-folder/for/certain/mentormatch.db",
}


def app_on(engine: Engine) -> FastAPI:
    app = create_app(Settings(database_url=str(engine.url)))
    app.state.engine = engine
    return app


def assert_unavailable(response: object, code: str) -> None:
    status = getattr(response, "status_code", None)
    assert status == 503, getattr(response, "text", response)
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert int(response.headers["retry-after"]) > 0  # type: ignore[attr-defined]
    assert response.json()["code"] == code  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", sorted(UNREACHABLE))
def test_a_database_that_is_down_is_a_503_on_every_route_but_health(backend: str) -> None:
    engine = make_engine(UNREACHABLE[backend])
    try:
        with TestClient(app_on(engine), raise_server_exceptions=False) as client:
            assert client.get("/health").status_code == 200
            assert_unavailable(client.get("/health/ready"), "unavailable")
            assert_unavailable(client.get("/taxonomy"), "unavailable")
            assert_unavailable(client.post("/mentees", json=mentee_payload()), "unavailable")
            # The token is looked up in the database too: a 503, not a 401.
            listing = client.get("/mentors", headers=bearer("mm_" + "x" * 43))
            assert_unavailable(listing, "unavailable")
            assert "unavailable" in listing.json()["detail"]
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    upgrade_url(url)
    return url


def test_a_locked_sqlite_database_is_a_503_busy_not_a_500(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)

    @event.listens_for(engine, "connect")
    def wait_briefly(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # The service waits 10 s for the lock; a test need not.
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        with TestClient(app_on(engine), raise_server_exceptions=False) as client:
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
            assert_unavailable(client.post("/mentees", json=mentee_payload()), "busy")
            # Readers are not blocked by a writer (WAL).
            assert client.get("/taxonomy").status_code == 200
            holder.execute("ROLLBACK")
            assert client.post("/mentees", json=mentee_payload()).status_code == 202
    finally:
        holder.close()
        engine.dispose()


def test_a_pool_with_no_connection_left_is_a_503_busy(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, pool_size=1, max_overflow=0, pool_timeout=0.05)
    try:
        with TestClient(app_on(engine), raise_server_exceptions=False) as client:
            with engine.connect():  # the only connection, taken
                assert_unavailable(client.get("/taxonomy"), "busy")
            assert client.get("/taxonomy").status_code == 200
    finally:
        engine.dispose()


@pytest.fixture
def failing_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def test_a_connection_lost_in_the_middle_of_a_request_is_a_503(
    failing_engine: Engine,
) -> None:
    with TestClient(app_on(failing_engine), raise_server_exceptions=False) as client:
        assert client.get("/taxonomy").status_code == 200

        def lose_connection(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            if "taxonomy_term" in statement:
                raise sqlite3.OperationalError("disk I/O error")

        event.listen(failing_engine, "before_cursor_execute", lose_connection)
        try:
            assert_unavailable(client.get("/taxonomy"), "unavailable")
        finally:
            event.remove(failing_engine, "before_cursor_execute", lose_connection)
        assert client.get("/taxonomy").status_code == 200
