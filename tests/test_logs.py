"""A real server in JSON log mode, whose database fails in the middle of requests.

``mentormatch serve`` runs with ``MENTORMATCH_LOG_FORMAT=json`` (one worker) on a
scratch database. A mentee registers, then the database is broken from outside
while the server runs: the column a registration writes is renamed, and (on
PostgreSQL) a trigger refuses every change to a mentee with a message that quotes
their email, as a database's own messages can. Registrations and profile changes
then fail: a 503 where the database says "not now", a 500 otherwise. Every line
the server wrote must be one JSON object, and none may hold a name, an email, a
goal or a token.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session

from service.db import make_engine
from service.migrate import upgrade_url
from service.models import Role
from service.security import issue_token
from tests.factories import bearer, mentee_payload
from tests.postgres import reachable_server, scratch_database
from tests.servers import server_environment, serving

BREAK = {
    "sqlite": ["ALTER TABLE mentee RENAME COLUMN goals TO goals_gone"],
    "postgresql": [
        "ALTER TABLE mentee RENAME COLUMN goals TO goals_gone",
        """CREATE FUNCTION refuse_mentee() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'refused the row of %', NEW.email; END $$""",
        """CREATE TRIGGER refuse_mentee BEFORE UPDATE ON mentee
           FOR EACH ROW EXECUTE FUNCTION refuse_mentee()""",
    ],
}


@dataclass(frozen=True)
class Served:
    base: str
    url: str
    backend: str
    log: Path
    coordinator: dict[str, str]


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    if request.param == "sqlite":
        yield from _serve(f"sqlite:///{tmp_path / 'logs.db'}", "sqlite", tmp_path)
        return
    with scratch_database(reachable_server(), "mentormatch_logs") as url:
        yield from _serve(url.render_as_string(hide_password=False), "postgresql", tmp_path)


def _serve(url: str, backend: str, tmp_path: Path) -> Iterator[Served]:
    upgrade_url(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _, secret = issue_token(session=session, role=Role.coordinator, name="logs")
            session.commit()
    finally:
        engine.dispose()
    settings = {"MENTORMATCH_LOG_FORMAT": "json", "MENTORMATCH_LOG_LEVEL": "debug"}
    log = tmp_path / "server.log"
    with serving(server_environment(url, settings=settings), tmp_path, log) as base:
        yield Served(base, url, backend, log, bearer(secret))


def person(n: int) -> dict[str, str]:
    return {
        "name": f"Persephone Wimbourne-{n}",
        "email": f"persephone.wimbourne{n}@example.org",
        "goals": f"Renegotiate the Wimbourne contract number {n}",
    }


@pytest.mark.slow
def test_every_line_is_json_and_none_holds_personal_data(served: Served) -> None:
    secrets: list[str] = []
    # After an unexpected error the server closes the connection: one per request.
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=served.base, timeout=30, limits=fresh) as client:
        registered = client.post(
            "/mentees", json=mentee_payload(**person(0)), headers=served.coordinator
        )
        assert registered.status_code == 201, registered.text
        token = registered.json()["token"]
        secrets += [*person(0).values(), token, served.coordinator["Authorization"]]

        engine = make_engine(served.url)
        try:
            with engine.begin() as connection:
                for statement in BREAK[served.backend]:
                    connection.execute(text(statement))
        finally:
            engine.dispose()

        statuses = []
        for n in range(1, 4):
            secrets += person(n).values()
            statuses.append(client.post("/mentees", json=mentee_payload(**person(n))).status_code)
            changed = client.patch("/me", headers=bearer(token), json={"goals": person(n)["goals"]})
            statuses.append(changed.status_code)
            # A search text is personal data too: it never reaches the log.
            search = client.get("/mentees", params={"q": person(n)["name"]}, headers=bearer(token))
            statuses.append(search.status_code)
        statuses.append(client.get("/me", headers=bearer(token)).status_code)
    assert set(statuses) <= {200, 202, 403, 500, 503}, statuses
    assert {500, 503} & set(statuses), statuses

    lines = served.log.read_text(encoding="utf-8").splitlines()
    assert lines
    entries = []
    for number, line in enumerate(lines, 1):
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"line {number} is not JSON: {line[:200]}")
    failures = [entry for entry in entries if "exception" in entry or entry["level"] == "warning"]
    assert failures, "the failures left no trace in the log"
    if 500 in statuses:
        assert any("Traceback" in entry.get("exception", "") for entry in entries)
    everything = "\n".join(lines)
    for secret in secrets:
        for part in (secret, secret.split("@")[0]):
            assert part not in everything, f"{part!r} is in the log"
    assert "Wimbourne" not in everything
