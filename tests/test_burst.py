"""A burst of simultaneous requests against a real server: never a 500, back to normal at once.

``mentormatch serve`` runs with its default settings on SQLite (one worker), with
two workers on PostgreSQL, and on SQLite with a line too short for the burst (two
places, twenty waiting, one second's wait), over a cohort large enough that a match
run takes a moment. Two hundred requests then arrive at once: reads (anonymous and a
coordinator's), anonymous registrations, new match runs, and accepts of an earlier
run's proposals, each proposal accepted twice so that one of the two must be a 409.
Every answer must be one its request may give, or a 503 or 429 that says when to
retry (``Retry-After``); none may be a 500. A request made a second after the burst
succeeds. The status counts and the 99th percentile of the answer times are printed.

Then a spreadsheet of 20,000 mentees is imported while other clients keep registering:
none of them gets a 500, a file with one bad row writes nothing, and a good one writes
every row. (Beside the default settings, the registration rate limit is lifted, as
every simulated client comes from one address.)
"""

import asyncio
import csv
import io
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from service import demo
from service.crud.taxonomy import load_index
from service.db import make_engine
from service.migrate import upgrade_url
from service.models import Role
from service.security import issue_token
from service.spreadsheets import registers
from tests.factories import bearer, mentee_payload, mentor_payload
from tests.loops import run_apart
from tests.postgres import reachable_server, scratch_database
from tests.servers import server_environment, serving

BURST = 200
MENTEES = 800
MENTORS = 300
ACCEPTED = 22  # proposals, each accepted twice at once
REQUEST_TIMEOUT = 120.0
BUSY = {429, 503}  # allowed for any request, with a Retry-After

# What each kind of request may answer besides BUSY.
ALLOWED = {
    "read": {200},
    "register": {202},  # the same answer for a new address and a known one
    "match-run": {201},
    "accept": {200, 409},  # each proposal is accepted twice at once: one of the two is a 409
}


# A line too short for the burst: some requests must be turned away, each with a 503
# that says when to come back, and none with a 500.
# The simulated clients all share one address, which the registration rate limit would
# soon turn away with 429s; lifted, their registrations reach the database as a launch
# day's would, from many addresses.
UNLIMITED = {"MENTORMATCH_RATE_LIMIT_PER_MINUTE": "0"}
SHORT_LINE = UNLIMITED | {
    "MENTORMATCH_MAX_CONCURRENT_REQUESTS": "2",
    "MENTORMATCH_MAX_WAITING_REQUESTS": "20",
    "MENTORMATCH_REQUEST_WAIT_SECONDS": "1",
}


@dataclass(frozen=True)
class Served:
    base: str
    backend: str
    headers: dict[str, str]
    log: Path
    url: str
    short_line: bool = False


@pytest.fixture(params=["sqlite", "postgresql", "sqlite-short-line"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """A server with its default settings (two workers on PostgreSQL) over a demo cohort."""
    if request.param.startswith("sqlite"):
        short = request.param.endswith("short-line")
        settings = SHORT_LINE if short else UNLIMITED
        yield from _serve(
            f"sqlite:///{tmp_path / 'burst.db'}", request.param, 1, tmp_path, settings
        )
        return
    with scratch_database(reachable_server(), "mentormatch_burst") as server_url:
        url = server_url.render_as_string(hide_password=False)
        yield from _serve(url, "postgresql", 2, tmp_path, UNLIMITED)


def _serve(
    url: str, backend: str, workers: int, tmp_path: Path, settings: dict[str, str] | None = None
) -> Iterator[Served]:
    upgrade_url(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            demo.load(session=session, mentees=MENTEES, mentors=MENTORS, seed=3)
            _, secret = issue_token(session=session, role=Role.coordinator, name="burst")
            session.commit()
    finally:
        engine.dispose()
    env = server_environment(url, workers=workers, settings=settings)
    log = tmp_path / "server.log"
    with serving(env, tmp_path, log) as base:
        yield Served(base, backend, bearer(secret), log, url, short_line=settings is SHORT_LINE)


@pytest.fixture(params=["sqlite", "postgresql"])
def served_by_default(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """A server with its default settings: one worker on SQLite, two on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'import.db'}"
        yield from _serve(url, "sqlite", 1, tmp_path, UNLIMITED)
        return
    with scratch_database(reachable_server(), "mentormatch_import") as server_url:
        url = server_url.render_as_string(hide_password=False)
        yield from _serve(url, "postgresql", 2, tmp_path, UNLIMITED)


@dataclass(frozen=True)
class Answer:
    kind: str
    status: int  # 0: no answer at all
    seconds: float
    retry_after: str | None
    body: Any


async def _send(
    client: httpx.AsyncClient, start: asyncio.Event, kind: str, method: str, path: str, **kw: Any
) -> Answer:
    await start.wait()
    started = time.perf_counter()
    try:
        response = await client.request(method, path, **kw)
    except httpx.HTTPError as error:
        return Answer(kind, 0, time.perf_counter() - started, None, repr(error))
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Answer(
        kind,
        response.status_code,
        time.perf_counter() - started,
        response.headers.get("retry-after"),
        body,
    )


async def _burst(served: Served, proposal_ids: list[int], run_id: int) -> list[Answer]:
    coordinator = served.headers
    requests: list[tuple[str, str, str, dict[str, Any]]] = []
    requests += [("read", "GET", "/taxonomy", {})] * 50
    requests += [("read", "GET", "/mentors?limit=50", {"headers": coordinator})] * 27
    requests += [("read", "GET", f"/match-runs/{run_id}/proposals", {"headers": coordinator})] * 15
    requests += [("register", "POST", "/mentees", {"json": mentee_payload()}) for _ in range(40)]
    requests += [("register", "POST", "/mentors", {"json": mentor_payload()}) for _ in range(20)]
    requests += [("match-run", "POST", "/match-runs", {"headers": coordinator, "json": {}})] * 4
    for proposal_id in proposal_ids:
        body = {"proposal_ids": [proposal_id]}
        accept = ("accept", "POST", f"/match-runs/{run_id}/accept", {"headers": coordinator})
        requests += [(*accept[:3], {**accept[3], "json": body})] * 2
    assert len(requests) == BURST
    limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=BURST)
    async with httpx.AsyncClient(
        base_url=served.base, timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:
        start = asyncio.Event()
        tasks = [
            asyncio.create_task(_send(client, start, kind, method, path, **kw))
            for kind, method, path, kw in requests
        ]
        await asyncio.sleep(0.2)  # every task is waiting at the gate
        start.set()
        return list(await asyncio.gather(*tasks))


def _p99(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


@pytest.mark.slow
def test_a_burst_of_two_hundred_requests_gets_no_500_and_the_server_recovers(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    with httpx.Client(base_url=served.base, headers=served.headers, timeout=60) as client:
        run = client.post("/match-runs", json={})
        assert run.status_code == 201, run.text
        proposals = client.get(f"/match-runs/{run.json()['id']}/proposals?limit={ACCEPTED}").json()
    proposal_ids = [p["id"] for p in proposals["data"]]
    assert len(proposal_ids) == ACCEPTED

    started = time.monotonic()
    answers = run_apart(lambda: _burst(served, proposal_ids, run.json()["id"]))
    seconds = time.monotonic() - started

    time.sleep(1.0)
    with httpx.Client(base_url=served.base, timeout=10) as client:
        after = client.get("/mentors?limit=1", headers=served.headers)
        registered_after = client.post("/mentees", json=mentee_payload())

    statuses = Counter(answer.status for answer in answers)
    by_kind = Counter(f"{answer.kind} {answer.status}" for answer in answers)
    summary = (
        f"{served.backend}: {BURST} requests at once in {seconds:.1f} s; "
        f"statuses {dict(sorted(statuses.items()))}; "
        f"p99 {_p99([answer.seconds for answer in answers]):.2f} s; "
        f"{dict(sorted(by_kind.items()))}"
    )
    with capsys.disabled():
        os.write(1, f"\n{summary}\n".encode())

    unexpected = [
        (answer.kind, answer.status, str(answer.body)[:200])
        for answer in answers
        if answer.status not in ALLOWED[answer.kind] | BUSY
    ]
    assert not unexpected, f"{unexpected[:5]}; {summary}"
    without_retry_after = [a for a in answers if a.status in BUSY and not a.retry_after]
    assert not without_retry_after, f"{without_retry_after[:3]}; {summary}"
    # Of the two accepts of one proposal, at most one succeeded.
    accepted = Counter(
        pairing["id"]
        for answer in answers
        if answer.kind == "accept" and answer.status == 200
        for pairing in answer.body["data"]
    )
    assert all(count == 1 for count in accepted.values()), summary
    if served.short_line:
        assert statuses[503] > 0, summary
    assert after.status_code == 200, f"{after.text}; {summary}"
    assert registered_after.status_code == 202, f"{registered_after.text}; {summary}"


IMPORTED = 20_000
REGISTRANTS = 4  # clients registering one after another for as long as the import runs
REGISTRATION_PAUSE = 0.1  # seconds each of them takes to fill in the next form


def _mentees_file(url: str, rows: int, *, bad_last_row: bool = False) -> bytes:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            people = demo.generate(load_index(session=session), mentees=rows, mentors=0, seed=9)
    finally:
        engine.dispose()
    columns = [c for c in registers.MENTEES.columns if c not in ("id", "status")]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for number, person in enumerate(people.mentees):
        cells = person.model_dump(mode="json")
        cells["email"] = f"imported-{number}@example.org"
        cells["other_sectors"] = "; ".join(person.other_sectors)
        cells["needs"] = "; ".join(f"{need.skill}:{need.priority}" for need in person.needs)
        if bad_last_row and number == rows - 1:
            cells["region"] = "atlantis"
        writer.writerow([cells[column] for column in columns])
    return buffer.getvalue().encode()


async def _import_while_registering(served: Served, content: bytes) -> tuple[Answer, list[Answer]]:
    limits = httpx.Limits(max_connections=REGISTRANTS + 1)
    async with httpx.AsyncClient(
        base_url=served.base, timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:
        start = asyncio.Event()
        headers = {**served.headers, "Content-Type": "text/csv"}
        importing = asyncio.create_task(
            _send(
                client, start, "import", "POST", "/mentees/import", content=content, headers=headers
            )
        )

        async def register() -> list[Answer]:
            answers = []
            while not importing.done():
                answer = await _send(
                    client, start, "register", "POST", "/mentees", json=mentee_payload()
                )
                answers.append(answer)
                await asyncio.sleep(REGISTRATION_PAUSE)
            return answers

        registrants = [asyncio.create_task(register()) for _ in range(REGISTRANTS)]
        start.set()
        registered = await asyncio.gather(*registrants)
        return await importing, [answer for answers in registered for answer in answers]


def _mentee_count(served: Served) -> int:
    with httpx.Client(base_url=served.base, headers=served.headers, timeout=60) as client:
        return int(client.get("/mentees?limit=1").json()["count"])


@pytest.mark.slow
def test_twenty_thousand_rows_import_whole_or_not_at_all_while_others_register(
    served_by_default: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    served = served_by_default
    for bad_last_row in (True, False):
        before = _mentee_count(served)
        content = _mentees_file(served.url, IMPORTED, bad_last_row=bad_last_row)
        imported, registrations = run_apart(partial(_import_while_registering, served, content))
        statuses = Counter(answer.status for answer in registrations)
        summary = (
            f"{served.backend}: import of {IMPORTED:,} rows{', the last one bad,' * bad_last_row} "
            f"answered {imported.status} in {imported.seconds:.1f} s; "
            f"{len(registrations)} registrations meanwhile: {dict(sorted(statuses.items()))}, "
            f"p99 {_p99([answer.seconds for answer in registrations]):.2f} s"
        )
        with capsys.disabled():
            os.write(1, f"\n{summary}\n".encode())
        refused = [a for a in registrations if a.status not in {202} | BUSY]
        assert not refused, f"{refused[:3]}; {summary}"
        assert all(a.retry_after for a in registrations if a.status in BUSY), summary
        registered = statuses[202]
        if bad_last_row:
            assert imported.status == 422, summary
            fields = [error["field"] for error in imported.body["errors"]]
            assert fields == [f"row {IMPORTED + 1}: region"], summary
            assert _mentee_count(served) == before + registered, "nothing of the file was written"
        else:
            assert imported.status == 200, summary
            assert imported.body["created"] == IMPORTED, summary
            assert _mentee_count(served) == before + registered + IMPORTED, summary
