"""What operators rely on: request ids, logs without personal data, readiness, start-up."""

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from service.config import Settings
from service.db import DatabaseUnreachable, make_engine, wait_for_database
from service.main import create_app
from service.migrate import downgrade, upgrade_url
from service.observability import JsonFormatter
from tests.factories import mentee_payload, mentor_payload


def test_request_id_is_echoed_or_made_up(client: TestClient) -> None:
    given = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.get("/health", headers={"X-Request-ID": "not ok; " * 20})
    assert len(made.headers["x-request-id"]) == 32
    assert made.headers["x-request-id"] != client.get("/health").headers["x-request-id"]


def test_logs_name_requests_and_runs_but_no_personal_data(
    client: TestClient, coordinator: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mentormatch")
    mentor = mentor_payload(email="private.person@example.org", name="Private Person")
    client.post("/mentors", json=mentor, headers=coordinator)
    client.post("/mentees", json=mentee_payload(goals="My secret plans"), headers=coordinator)
    client.get("/mentors", headers=coordinator, params={"q": "Private Person"})
    client.post("/match-runs", headers=coordinator, json={})
    rendered = [JsonFormatter().format(record) for record in caplog.records]
    entries = [json.loads(line) for line in rendered]

    requests = [e for e in entries if e["message"] == "request"]
    assert {(e["method"], e["path"], e["status"]) for e in requests} >= {
        ("POST", "/mentors", 201),
        ("GET", "/mentors", 200),
        ("POST", "/match-runs", 201),
    }
    assert all(len(e["request_id"]) == 32 for e in requests)
    (run,) = [e for e in entries if e["message"] == "match run stored"]
    assert (run["mentees"], run["mentors"], run["matched"]) == (1, 1, 1)
    assert run["solver"] == "dense"
    everything = "\n".join(rendered) + caplog.text
    for secret in ("private.person@example.org", "Private Person", "My secret plans", "mm_"):
        assert secret not in everything


def test_readiness_fails_when_the_schema_is_behind(empty_database_url: str) -> None:
    upgrade_url(empty_database_url)
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:
        downgrade(connection, "0001")
    app = create_app(Settings(database_url=empty_database_url))
    app.state.engine = engine
    with TestClient(app) as client:
        response = client.get("/health/ready")
        assert response.status_code == 503
        assert "run mentormatch migrate" in response.json()["detail"]
        assert client.get("/health").status_code == 200
    upgrade_url(empty_database_url)
    with TestClient(app) as client:
        assert client.get("/health/ready").status_code == 200
    engine.dispose()


def test_start_up_gives_up_on_an_unreachable_database_with_a_clear_message() -> None:
    url = "postgresql://someone:hunter2@127.0.0.1:1/nowhere"
    with pytest.raises(DatabaseUnreachable) as caught:
        wait_for_database(url, seconds=0.5)
    message = str(caught.value)
    assert "could not reach the database at postgresql+psycopg://someone:***@127.0.0.1:1" in message
    assert "hunter2" not in message


def test_wait_returns_at_once_when_the_database_answers(database_url: str) -> None:
    wait_for_database(database_url, seconds=0)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
