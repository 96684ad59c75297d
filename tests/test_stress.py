"""Many clients at once against a real server on PostgreSQL: no 5xx, no broken invariant.

A ``mentormatch serve`` process with two workers runs on a scratch PostgreSQL
database. Sixteen clients send a bounded mix of requests in three waves:
registrations (about one in ten reusing an email already taken, in another
casing), match runs and manual pairings onto a few mentors with small capacity,
then concurrent accepts of one run, more pairings and pairing ends. Afterwards
the database is read directly and every invariant the service promises is
checked. A failing assertion shows the load's summary (clients, requests,
statuses); nothing is printed on success.
"""

import random
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from service.db import make_engine
from tests.factories import bearer, mentee_payload, mentor_payload
from tests.postgres import reachable_server, scratch_database
from tests.servers import mentormatch_program, server_environment, serving

CLIENTS = 16
WORKERS = 2
MENTEES = 96  # registered in the first wave
MENTORS = 24
HOT_CAPACITIES = (1, 1, 2, 2, 1, 2)  # the first mentors, onto whom pairings pile up
REQUEST_TIMEOUT = 30.0

# What each kind of request may answer under contention; anything else is a failure.
ALLOWED = {
    "register": {201, 409},  # 409 only when it raced the duplicate of its email
    "register-duplicate": {201, 409},  # 201 only when it won that race
    "register-taken": {409},  # the email was taken in an earlier wave
    "match-run": {201},
    "accept": {200, 409},
    "pair": {201, 409},
    "end": {200, 409},
    "read": {200},
}


@dataclass
class Summary:
    """What the load did; shown by every failing assertion."""

    clients: int = CLIENTS
    workers: int = WORKERS
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.seconds = 0.0
        self.statuses.clear()
        self.by_kind.clear()
        self.errors.clear()

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def __str__(self) -> str:
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(self.by_kind.items()))
        return (
            f"{self.clients} clients, {self.workers} workers, {self.requests} requests in "
            f"{self.seconds:.1f} s; statuses {dict(sorted(self.statuses.items()))}; {kinds}"
            + (f"; transport errors: {self.errors[:5]}" if self.errors else "")
        )


SUMMARY = Summary()


@dataclass(frozen=True)
class Record:
    kind: str
    method: str
    path: str
    status: int  # 0: no response at all
    body: Any


class Load:
    """A shared HTTP client that records every exchange."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.records: list[Record] = []
        self._lock = threading.Lock()

    def send(self, kind: str, method: str, path: str, **kwargs: Any) -> Record:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            record = Record(kind, method, path, 0, f"{type(error).__name__}: {error}")
        else:
            try:
                body = response.json()
            except ValueError:
                body = response.text
            record = Record(kind, method, path, response.status_code, body)
        with self._lock:
            self.records.append(record)
            SUMMARY.statuses[record.status] += 1
            SUMMARY.by_kind[f"{kind} {record.status}"] += 1
            if record.status == 0:
                SUMMARY.errors.append(f"{method} {path}: {record.body}")
        return record

    def wave(self, tasks: list[Callable[[], Record]], seed: int) -> list[Record]:
        """Run the tasks from CLIENTS threads at once, in a shuffled order."""
        random.Random(seed).shuffle(tasks)
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            return list(pool.map(lambda task: task(), tasks))


# -- a server on a scratch database ----------------------------------------------------


@pytest.fixture(scope="module")
def server_url() -> str:
    return reachable_server()


@pytest.fixture
def database(server_url: str) -> Iterator[str]:
    with scratch_database(server_url, "mentormatch_stress") as url:
        yield url.render_as_string(hide_password=False)


# Every simulated client registers from the same loopback address.
QUIET_AND_UNLIMITED = {"MENTORMATCH_LOG_LEVEL": "warning", "MENTORMATCH_RATE_LIMIT_PER_MINUTE": "0"}


@dataclass(frozen=True)
class Server:
    base: str
    env: dict[str, str]
    log: Path


@pytest.fixture
def server(database: str, tmp_path: Path) -> Iterator[Server]:
    env = server_environment(database, workers=WORKERS, settings=QUIET_AND_UNLIMITED)
    log = tmp_path / "server.log"
    with serving(env, tmp_path, log) as base:
        yield Server(base, env, log)


def coordinator_token(server: Server, tmp_path: Path) -> str:
    result = subprocess.run(
        [mentormatch_program(), "create-token", "--name", "Stress coordinator"],
        cwd=tmp_path,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# -- the invariants, read from the database --------------------------------------------

VIOLATIONS = {
    "mentor emails repeated (case-insensitive)": """
        SELECT lower(email) FROM mentor GROUP BY lower(email) HAVING count(*) > 1""",
    "mentee emails repeated (case-insensitive)": """
        SELECT lower(email) FROM mentee GROUP BY lower(email) HAVING count(*) > 1""",
    "mentees with two active pairings": """
        SELECT mentee_id FROM pairing WHERE status = 'active'
        GROUP BY mentee_id HAVING count(*) > 1""",
    "mentors over capacity": """
        SELECT m.id FROM mentor m JOIN pairing p ON p.mentor_id = m.id AND p.status = 'active'
        GROUP BY m.id, m.capacity HAVING count(*) > m.capacity""",
    "mentor terms without a mentor": """
        SELECT t.mentor_id FROM mentor_term t LEFT JOIN mentor m ON m.id = t.mentor_id
        WHERE m.id IS NULL""",
    "mentee terms without a mentee": """
        SELECT t.mentee_id FROM mentee_term t LEFT JOIN mentee m ON m.id = t.mentee_id
        WHERE m.id IS NULL""",
    "pairings without their mentee or mentor": """
        SELECT p.id FROM pairing p LEFT JOIN mentee e ON e.id = p.mentee_id
        LEFT JOIN mentor m ON m.id = p.mentor_id WHERE e.id IS NULL OR m.id IS NULL""",
    "pairings pointing at a missing proposal": """
        SELECT p.id FROM pairing p LEFT JOIN proposal x ON x.id = p.proposal_id
        WHERE p.proposal_id IS NOT NULL AND x.id IS NULL""",
    "proposals without their run, mentee or mentor": """
        SELECT x.id FROM proposal x LEFT JOIN match_run r ON r.id = x.match_run_id
        LEFT JOIN mentee e ON e.id = x.mentee_id LEFT JOIN mentor m ON m.id = x.mentor_id
        WHERE r.id IS NULL OR e.id IS NULL OR m.id IS NULL""",
    "accepted proposals without exactly one pairing": """
        SELECT x.id FROM proposal x LEFT JOIN pairing p ON p.proposal_id = x.id
        WHERE x.status = 'accepted' GROUP BY x.id HAVING count(p.id) <> 1""",
    "pairings made from a proposal that is not accepted": """
        SELECT p.id FROM pairing p JOIN proposal x ON x.id = p.proposal_id
        WHERE x.status <> 'accepted'""",
    "runs whose proposals do not add up to matched_count": """
        SELECT r.id FROM match_run r LEFT JOIN proposal x ON x.match_run_id = r.id
        GROUP BY r.id, r.matched_count HAVING count(x.id) <> r.matched_count""",
    "mentees in an active pairing not marked paired": """
        SELECT e.id FROM mentee e JOIN pairing p ON p.mentee_id = e.id AND p.status = 'active'
        WHERE e.status <> 'paired'""",
    "waiting mentees with an active pairing": """
        SELECT e.id FROM mentee e JOIN pairing p ON p.mentee_id = e.id AND p.status = 'active'
        WHERE e.status = 'waiting'""",
}


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


# -- the load --------------------------------------------------------------------------


@pytest.mark.slow
def test_sixteen_clients_at_once_get_no_5xx_and_break_no_invariant(
    server: Server, database: str, tmp_path: Path
) -> None:
    SUMMARY.reset()
    coordinator = bearer(coordinator_token(server, tmp_path))
    started = time.monotonic()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    with httpx.Client(base_url=server.base, timeout=REQUEST_TIMEOUT, limits=limits) as client:
        load = Load(client)
        rng = random.Random(20261126)

        def register(
            kind: str, payload: dict[str, Any], label: str = "register"
        ) -> Callable[[], Record]:
            # Through a coordinator: they answer 201 with the profile (anonymous callers 202).
            return lambda: load.send(label, "POST", f"/{kind}s", json=payload, headers=coordinator)

        # Wave 1: registrations, one in ten reusing an email of this wave in another casing.
        mentor_payloads = [
            mentor_payload(capacity=HOT_CAPACITIES[i] if i < len(HOT_CAPACITIES) else 3)
            for i in range(MENTORS)
        ]
        mentee_payloads = [mentee_payload() for _ in range(MENTEES)]
        wave1 = [register("mentor", p) for p in mentor_payloads]
        wave1 += [register("mentee", p) for p in mentee_payloads]
        for kind, pool, count in (("mentor", mentor_payloads, 3), ("mentee", mentee_payloads, 7)):
            for original in rng.sample(pool, count):
                twin = {**original, "email": original["email"].upper(), "name": "Twin"}
                wave1.append(register(kind, twin, "register-duplicate"))
        records = load.wave(wave1, seed=1)

        ids: dict[tuple[str, str], int] = {}
        for record in records:
            if record.status == 201:
                kind = "mentor" if "mentor" in record.body else "mentee"
                ids[(kind, record.body[kind]["email"])] = record.body[kind]["id"]
        for kind, pool in (("mentor", mentor_payloads), ("mentee", mentee_payloads)):
            assert all((kind, p["email"]) in ids for p in pool), f"a registration lost; {SUMMARY}"
        mentors = [ids[("mentor", p["email"])] for p in mentor_payloads]
        hot, cool = mentors[: len(HOT_CAPACITIES)], mentors[len(HOT_CAPACITIES) :]
        mentees = [ids[("mentee", p["email"])] for p in mentee_payloads]
        # Runs and hand pairings work on separate mentees, so one run's accept must succeed.
        run_mentees, hand_mentees = mentees[::2], mentees[1::2]

        def pair(mentee: int, mentor: int) -> Callable[[], Record]:
            return lambda: load.send(
                "pair",
                "POST",
                "/pairings",
                headers=coordinator,
                json={"mentee_id": mentee, "mentor_id": mentor},
            )

        def read(path: str) -> Callable[[], Record]:
            return lambda: load.send("read", "GET", path, headers=coordinator)

        def run(cohort: dict[str, list[int]]) -> Callable[[], Record]:
            body = {"cohort": cohort}
            return lambda: load.send(
                "match-run", "POST", "/match-runs", headers=coordinator, json=body
            )

        # Wave 2: two runs, many hand pairings onto the small mentors, more registrations.
        wave2 = [
            run({"mentee_ids": run_mentees, "mentor_ids": cool}),
            run({"mentee_ids": hand_mentees, "mentor_ids": hot}),
        ]
        wave2 += [pair(rng.choice(hand_mentees), rng.choice(hot)) for _ in range(60)]
        wave2 += [register("mentee", mentee_payload()) for _ in range(24)]
        wave2 += [register("mentor", mentor_payload(capacity=2)) for _ in range(4)]
        for original in rng.sample(mentee_payloads, 3) + rng.sample(mentor_payloads, 1):
            kind = "mentor" if "capacity" in original else "mentee"
            taken = {**original, "email": original["email"].title(), "name": "Late twin"}
            wave2.append(register(kind, taken, "register-taken"))
        wave2 += [
            read(path)
            for path in ("/pairings?status=active&limit=200", "/mentors?limit=20", "/match-runs")
            for _ in range(4)
        ]
        records = load.wave(wave2, seed=2)
        runs = [r.body for r in records if r.kind == "match-run" and r.status == 201]
        assert len(runs) == 2, f"match runs failed; {SUMMARY}"
        # Launched together, the runs took ids in either order: tell them by their cohort.
        first_run, second_run = sorted(
            runs, key=lambda body: body["parameters"]["cohort"]["mentor_ids"] != cool
        )
        assert first_run["parameters"]["cohort"]["mentor_ids"] == cool
        assert first_run["matched_count"] > 0, "the first run proposed nothing to accept"

        # Wave 3: eight accepts of one run released together, accepts of the other, ends of
        # half the active pairings (some twice at once), more hand pairings.
        active = load.send("read", "GET", "/pairings?status=active&limit=200", headers=coordinator)
        to_end = [p["id"] for p in active.body["data"][::2]]
        barrier = threading.Barrier(8)

        def accept(run_id: int, together: bool) -> Callable[[], Record]:
            def task() -> Record:
                if together:
                    barrier.wait(timeout=REQUEST_TIMEOUT)
                path = f"/match-runs/{run_id}/accept"
                return load.send("accept", "POST", path, headers=coordinator, json={})

            return task

        def end(pairing: int, how: str) -> Callable[[], Record]:
            body = {"status": how, "reason": "Stress test."}
            path = f"/pairings/{pairing}/end"
            return lambda: load.send("end", "POST", path, headers=coordinator, json=body)

        wave3 = [accept(first_run["id"], together=True) for _ in range(8)]
        wave3 += [accept(second_run["id"], together=False) for _ in range(3)]
        wave3 += [end(p, rng.choice(["completed", "ended_early"])) for p in to_end]
        wave3 += [end(p, "ended_early") for p in to_end[:4]]
        wave3 += [pair(rng.choice(hand_mentees), rng.choice(hot)) for _ in range(50)]
        records = load.wave(wave3, seed=3)
        first_accepts = [
            r
            for r in records
            if r.kind == "accept" and r.path.startswith(f"/match-runs/{first_run['id']}/")
        ]

        # Wave 4: a last run over everyone, accepted twice at once.
        last = load.send("match-run", "POST", "/match-runs", headers=coordinator, json={})
        assert last.status == 201, f"{last.body}; {SUMMARY}"
        load.wave([accept(last.body["id"], together=False) for _ in range(2)], seed=4)
    SUMMARY.seconds = time.monotonic() - started

    # Every answer is one its request may give; none is a 5xx or no answer at all.
    assert not [r for r in load.records if r.status >= 500 or r.status == 0], str(SUMMARY)
    unexpected = [
        (r.kind, r.method, r.path, r.status, r.body)
        for r in load.records
        if r.status not in ALLOWED[r.kind]
    ]
    assert not unexpected, f"{unexpected[:5]}; {SUMMARY}"
    # Each email was registered exactly once, whichever of its twins won the race.
    registered = Counter(
        (r.path, r.body[r.path.strip("/")[:-1]]["email"])
        for r in load.records
        if r.kind.startswith("register") and r.status == 201
    )
    assert set(registered.values()) == {1}, str(SUMMARY)
    # Of eight concurrent accepts of one run, one took every proposal and the rest found none.
    assert sorted(r.body["count"] for r in first_accepts) == [0] * 7 + [
        first_run["matched_count"]
    ], (
        f"{[(r.status, r.body if r.status != 200 else r.body['count']) for r in first_accepts]}; "
        f"{SUMMARY}"
    )

    engine = make_engine(database)
    try:
        broken = {}
        with engine.connect() as connection:
            for name, sql in VIOLATIONS.items():
                rows = connection.execute(text(sql)).all()
                if rows:
                    broken[name] = [tuple(row) for row in rows[:10]]
        assert not broken, f"{broken}; {SUMMARY}"

        # The database holds exactly what the answers said was created.
        created = Counter(
            r.path for r in load.records if r.kind.startswith("register") and r.status == 201
        )
        assert scalar(engine, "SELECT count(*) FROM mentor") == created["/mentors"], str(SUMMARY)
        assert scalar(engine, "SELECT count(*) FROM mentee") == created["/mentees"], str(SUMMARY)
        accepted = sum(
            r.body["count"] for r in load.records if r.kind == "accept" and r.status == 200
        )
        hand_made = sum(1 for r in load.records if r.kind == "pair" and r.status == 201)
        ended = sum(1 for r in load.records if r.kind == "end" and r.status == 200)
        assert scalar(engine, "SELECT count(*) FROM proposal WHERE status = 'accepted'") == accepted
        assert scalar(engine, "SELECT count(*) FROM pairing") == accepted + hand_made, str(SUMMARY)
        assert scalar(engine, "SELECT count(*) FROM pairing WHERE status <> 'active'") == ended
        # Each duplicated end: exactly one of the two succeeded.
        assert ended == len(to_end), str(SUMMARY)
        assert scalar(engine, "SELECT count(*) FROM match_run") == 3, str(SUMMARY)
    finally:
        engine.dispose()
    assert SUMMARY.seconds < 90, str(SUMMARY)


# -- the race behind a 500 this load can meet, made deterministic ----------------------


@pytest.mark.slow
def test_a_pairing_committed_while_a_run_loads_its_mentees_does_not_break_the_run(
    database: str,
) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import event
    from sqlmodel import Session

    from service.config import Settings
    from service.crud import pairings
    from service.main import create_app
    from service.migrate import upgrade_url
    from service.models import PairingCreate, Role
    from service.security import issue_token

    upgrade_url(database)
    engine, other = make_engine(database), make_engine(database)
    app = create_app(Settings(database_url=database))
    app.state.engine = engine
    try:
        with Session(engine) as session:
            _, secret = issue_token(session=session, role=Role.coordinator, name="race")
            session.commit()
        headers = bearer(secret)
        with TestClient(app, raise_server_exceptions=False) as client:
            # Two places: the pairing made meanwhile leaves one, so the run still has a mentor.
            mentor = client.post(
                "/mentors", json=mentor_payload(capacity=2), headers=headers
            ).json()["mentor"]
            mentees = [
                client.post("/mentees", json=mentee_payload(), headers=headers).json()
                for _ in range(2)
            ]
            armed = [True]

            def pair_meanwhile(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
                # Just before the run reads the terms, another request pairs the first mentee
                # (and so takes one of the mentor's places) and commits.
                if armed[0] and "FROM mentee_term" in statement:
                    armed[0] = False
                    with Session(other) as session:
                        data = PairingCreate(
                            mentee_id=mentees[0]["mentee"]["id"], mentor_id=mentor["id"]
                        )
                        pairings.create(session=session, data=data)
                        session.commit()

            event.listen(engine, "before_cursor_execute", pair_meanwhile)
            try:
                response = client.post("/match-runs", headers=headers, json={})
            finally:
                event.remove(engine, "before_cursor_execute", pair_meanwhile)
            assert not armed[0], "the run never read the terms table; the test needs updating"
            assert response.status_code == 201, response.text
    finally:
        engine.dispose()
        other.dispose()
