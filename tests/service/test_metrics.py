"""GET /metrics: off by default, open or behind its own token; labels are route templates."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.config import Settings
from service.db import get_session
from service.main import create_app
from tests.factories import bearer, mentee_payload, mentor_payload
from tests.servers import free_port

METRICS_TOKEN = "metrics-" + "x" * 24
MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(session: Session, settings: Settings, engine: Engine) -> Iterator[MakeClient]:
    """A client of an app with some settings changed, on the test's transaction."""
    clients: list[TestClient] = []

    def make(**changes: Any) -> TestClient:
        app = create_app(settings.model_copy(update=changes))
        app.state.engine = engine

        def test_session() -> Iterator[Session]:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

        app.dependency_overrides[get_session] = test_session
        client = TestClient(app)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict[Any, float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def test_metrics_are_off_by_default(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_requests_are_counted_by_route_template_and_status(
    make_client: MakeClient, coordinator: dict[str, str]
) -> None:
    client = make_client(metrics="open")
    mentor_id = client.post("/mentors", json=mentor_payload(), headers=coordinator).json()[
        "mentor"
    ]["id"]
    before = samples(client.get("/metrics").text)

    for _ in range(2):
        assert client.get(f"/mentors/{mentor_id}", headers=coordinator).status_code == 200
    assert client.get("/mentors/999999", headers=coordinator).status_code == 404
    assert client.get("/no/such/path").status_code == 404
    text = client.get("/metrics").text
    after = samples(text)

    route = "/mentors/{mentor_id}"
    counted = "mentormatch_http_requests_total"
    for status, expected in (("200", 2), ("404", 1)):
        grown = value(after, counted, method="GET", route=route, status=status) - value(
            before, counted, method="GET", route=route, status=status
        )
        assert grown == expected
    assert value(after, counted, method="GET", route="<unmatched>", status="404") >= 1
    timed = "mentormatch_http_request_duration_seconds_count"
    assert (
        value(after, timed, method="GET", route=route)
        - value(before, timed, method="GET", route=route)
        == 3
    )
    # Paths with ids or anything a caller typed never become labels.
    assert f"/mentors/{mentor_id}" not in text
    assert "/no/such/path" not in text


def test_match_runs_are_counted_with_their_size_duration_and_outcome(
    make_client: MakeClient, coordinator: dict[str, str]
) -> None:
    client = make_client(metrics="open")
    for _ in range(3):
        client.post("/mentees", headers=coordinator, json=mentee_payload())
    client.post("/mentors", headers=coordinator, json=mentor_payload(capacity=2))
    before = samples(client.get("/metrics").text)
    run = client.post("/match-runs", headers=coordinator, json={}).json()
    after = samples(client.get("/metrics").text)

    def grown(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grown("mentormatch_match_runs_total", solver=run["solver"]) == 1
    assert grown("mentormatch_match_run_matched_total") == run["matched_count"] > 0
    assert grown("mentormatch_match_run_unmatched_total") == run["unmatched_count"]
    assert grown("mentormatch_match_run_mentees_count") == 1
    assert grown("mentormatch_match_run_mentees_sum") == run["mentees_considered"]
    assert grown("mentormatch_match_run_mentors_sum") == run["mentors_considered"]
    assert grown("mentormatch_match_run_duration_seconds_sum", solver=run["solver"]) == (
        pytest.approx(run["duration_ms"] / 1000)
    )


def test_token_mode_asks_for_the_metrics_token_and_no_other(
    make_client: MakeClient, coordinator: dict[str, str]
) -> None:
    client = make_client(metrics="token", metrics_token=SecretStr(METRICS_TOKEN))
    for headers in ({}, bearer("wrong-" + METRICS_TOKEN), coordinator):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthorized"
        assert refused.headers["WWW-Authenticate"] == "Bearer"
    allowed = client.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert allowed.status_code == 200
    assert allowed.headers["content-type"].startswith("text/plain")
    assert "mentormatch_http_requests_total" in allowed.text


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


@pytest.mark.slow
def test_with_two_workers_every_scrape_adds_up_both_workers(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MENTORMATCH_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env |= {
        "MENTORMATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.db'}",
        "MENTORMATCH_METRICS": "open",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                _get(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.25)
        for _ in range(40):
            _get(f"{base}/health")
        # Whichever worker answers a scrape, it counts the requests both answered.
        totals = set()
        for _ in range(6):
            scraped = samples(_get(f"{base}/metrics"))
            totals.add(
                value(
                    scraped,
                    "mentormatch_http_requests_total",
                    method="GET",
                    route="/health",
                    status="200",
                )
            )
        assert totals == {41.0}, totals
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert not list(tmp_path.glob("mentormatch-metrics-*"))
