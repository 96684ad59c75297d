"""Benchmark of ``POST /match-runs`` end to end, against the matching engine alone.

For each database engine (SQLite, PostgreSQL) and cohort size, it creates a scratch
database, migrates it, loads the seeded demo cohort (``service.demo``, not timed),
starts ``mentormatch serve`` (uvicorn) in a subprocess and times ``POST /match-runs``
with the API's default parameters, as the client sees it and as the service reports
it (``duration_ms``). Right after each request, this process times ``matching.match``
alone on the same cohort (loaded here with ``service.matchmaking.cohort.load`` from the same
database) with the same parameters: the "engine" time. Times are medians of
``--repeats``; ``ratio`` is the median over the repeats of request time / engine time,
paired so that other work on the machine weighs on both alike. The target is 1.5 or
less at 10,000 x 4,000. ``load s`` is ``service.matchmaking.cohort.load`` alone and ``rest s`` what
the service's own time leaves after loading and the engine (mostly storing the run).
Runs do not change who is waiting, but each adds unmatched rows, so the waiting bonus
of the few unmatched mentees grows from one run to the next.

It also counts the SQL statements of ``GET /match-runs/{id}/proposals?limit=200`` and,
once that run is accepted, ``GET /pairings?limit=200`` (each including the token
lookup): they must not grow with the cohort.

PostgreSQL is expected at 127.0.0.1:5432 (``--postgres-url``); a scratch database is
created per size and dropped at the end. Run from the repository root:

    .venv/bin/python -m benchmarks.bench_api --sizes 1000x400,10000x4000 \
        --engines sqlite,postgresql --repeats 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session

import matching
from service import demo
from service.config import Settings
from service.db import make_engine
from service.main import create_app
from service.matchmaking import cohort as cohorts
from service.matchmaking.parameters import match_parameters
from service.migrate import upgrade_url
from service.models import CohortFilter, MatchRunCreate, Role
from service.security import issue_token

DEFAULT_SIZES = "1000x400,10000x4000"
DEFAULT_ENGINES = "sqlite,postgresql"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
SEED = 2024
TARGET_RATIO = 1.5
TARGET_SIZE = (10_000, 4_000)
PAGE = 200
HTTP_TIMEOUT = httpx.Timeout(900.0, connect=10.0)


@dataclass(frozen=True)
class Row:
    engine: str
    mentees: int
    mentors: int
    engine_s: float
    load_s: float
    request_s: float
    service_s: float
    ratio: float
    matched: int
    solver: str
    proposal_queries: int
    pairing_queries: int

    @property
    def rest_s(self) -> float:
        return self.service_s - self.load_s - self.engine_s


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for item in text.split(","):
        mentees, _, mentors = item.strip().partition("x")
        sizes.append((int(mentees), int(mentors)))
    return sizes


def api_parameters() -> matching.MatchParameters:
    """The parameters ``POST /match-runs`` with ``{}`` solves with."""
    return match_parameters(MatchRunCreate())


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


@contextmanager
def scratch_database(engine_name: str, postgres_url: str) -> Iterator[str]:
    """The URL of an empty database that is removed afterwards."""
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mentormatch-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    if engine_name != "postgresql":
        raise ValueError(f"unknown engine {engine_name!r}; use sqlite or postgresql")
    name = f"mentormatch_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.dispose()


def prepare(url: str, mentees: int, mentors: int) -> str:
    """Migrate, load the demo cohort and return a coordinator token."""
    upgrade_url(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            demo.load(session=session, mentees=mentees, mentors=mentors, seed=SEED)
            _, secret = issue_token(session=session, role=Role.coordinator, name="bench")
            session.commit()
    finally:
        engine.dispose()
    return secret


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mentormatch_command() -> str:
    beside = Path(sys.executable).with_name("mentormatch")
    found = str(beside) if beside.exists() else shutil.which("mentormatch")
    if found is None:
        raise FileNotFoundError("the mentormatch console script is not installed")
    return found


@contextmanager
def server(url: str) -> Iterator[str]:
    """Run ``mentormatch serve`` on a free port; yield its base URL."""
    port = free_port()
    env = {**os.environ, "MENTORMATCH_DATABASE_URL": url, "MENTORMATCH_LOG_LEVEL": "warning"}
    command = [mentormatch_command(), "serve", "--no-migrate", "--host", "127.0.0.1"]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(base_url, process, output)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(base_url: str, process: subprocess.Popen[bytes], output: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            printed = output.read().decode(errors="replace")
            raise RuntimeError(f"the server exited early:\n{printed}")
        try:
            if httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not answer /health within 60 s")


def load_cohort(url: str, repeats: int) -> tuple[float, cohorts.Cohort]:
    """Median seconds of ``service.matchmaking.cohort.load`` on the database, and the cohort."""
    engine = make_engine(url)
    try:
        seconds = []
        for _ in range(repeats):
            with Session(engine) as session:
                elapsed, cohort = timed(
                    lambda session=session: cohorts.load(session=session, cohort=CohortFilter())
                )
            seconds.append(elapsed)
    finally:
        engine.dispose()
    return statistics.median(seconds), cohort


@dataclass(frozen=True)
class Timings:
    request_s: float
    service_s: float
    engine_s: float
    ratio: float
    runs: list[dict[str, Any]]


def time_runs(base_url: str, secret: str, cohort: cohorts.Cohort, repeats: int) -> Timings:
    """Each ``POST /match-runs`` paired with ``matching.match`` alone, right after it.

    Pairing the two keeps the ratio fair when other work shares the machine; the
    ratio is the median of the pairs' ratios.
    """
    parameters = api_parameters()

    def engine_alone() -> matching.MatchResult:
        return matching.match(
            cohort.mentees,
            cohort.mentors,
            cohort.vocabulary,
            capacities=cohort.capacities,
            forbidden=cohort.forbidden,
            parameters=parameters,
        )

    headers = {"Authorization": f"Bearer {secret}"}
    client_s, engine_s, runs = [], [], []
    with httpx.Client(base_url=base_url, headers=headers, timeout=HTTP_TIMEOUT) as client:
        for _ in range(repeats):
            elapsed, response = timed(lambda: client.post("/match-runs", json={}))
            if response.status_code != 201:
                raise RuntimeError(f"POST /match-runs: {response.status_code} {response.text}")
            client_s.append(elapsed)
            runs.append(response.json())
            engine_s.append(timed(engine_alone)[0])
            log(
                f"    request {elapsed:.2f} s, service {runs[-1]['duration_ms'] / 1000:.2f} s, "
                f"engine alone {engine_s[-1]:.2f} s"
            )
    return Timings(
        request_s=statistics.median(client_s),
        service_s=statistics.median(run["duration_ms"] / 1000 for run in runs),
        engine_s=statistics.median(engine_s),
        ratio=statistics.median(c / e for c, e in zip(client_s, engine_s, strict=True)),
        runs=runs,
    )


def count_queries(url: str, secret: str, run_id: int) -> tuple[int, int]:
    """SQL statements of listing a page of proposals, and (after accepting) of pairings."""
    app = create_app(Settings(database_url=url, log_level="warning"))
    engine = make_engine(url)
    app.state.engine = engine
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)

    def counted(client: TestClient, method: str, path: str, **kwargs: Any) -> int:
        statements.clear()
        response = client.request(method, path, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        if method == "GET":
            body = response.json()
            log(f"    {path}: {len(body['data'])} of {body['count']} rows, {len(statements)} SQL")
        return len(statements)

    try:
        headers = {"Authorization": f"Bearer {secret}"}
        with TestClient(app, headers=headers) as client:
            proposals = counted(client, "GET", f"/match-runs/{run_id}/proposals?limit={PAGE}")
            counted(client, "POST", f"/match-runs/{run_id}/accept", json={})
            pairings = counted(client, "GET", f"/pairings?limit={PAGE}")
    finally:
        engine.dispose()
    return proposals, pairings


def bench_one(engine_name: str, mentees: int, mentors: int, repeats: int, postgres_url: str) -> Row:
    log(f"{engine_name} {mentees}x{mentors}")
    with scratch_database(engine_name, postgres_url) as url:
        elapsed, secret = timed(lambda: prepare(url, mentees, mentors))
        log(f"  migrated and loaded the demo cohort in {elapsed:.1f} s")
        load_s, cohort = load_cohort(url, repeats)
        with server(url) as base_url:
            timings = time_runs(base_url, secret, cohort, repeats)
        log(f"  cohort load {load_s:.2f} s")
        proposal_queries, pairing_queries = count_queries(url, secret, timings.runs[-1]["id"])
    return Row(
        engine=engine_name,
        mentees=mentees,
        mentors=mentors,
        engine_s=timings.engine_s,
        load_s=load_s,
        request_s=timings.request_s,
        service_s=timings.service_s,
        ratio=timings.ratio,
        matched=timings.runs[-1]["matched_count"],
        solver=timings.runs[-1]["solver"],
        proposal_queries=proposal_queries,
        pairing_queries=pairing_queries,
    )


def print_table(rows: list[Row], repeats: int, load_averages: list[float]) -> None:
    header = (
        f"{'engine':<10} | {'size':>10} | {'engine s':>8} | {'load s':>6} | "
        f"{'request s (client)':>18} | {'service s (duration_ms)':>23} | {'rest s':>6} | "
        f"{'ratio':>5} | {'matched':>7} | {'solver':<6} | "
        f"{'queries: proposals':>18} | {'queries: pairings':>17}"
    )
    print(f"\nPOST /match-runs, median of {repeats}; {os.cpu_count()} CPUs; seed {SEED}")
    before, after = load_averages
    print(f"1-minute load average: {before:.2f} before, {after:.2f} after (other work skews times)")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.engine:<10} | {f'{row.mentees}x{row.mentors}':>10} | {row.engine_s:>8.2f} | "
            f"{row.load_s:>6.2f} | {row.request_s:>18.2f} | {row.service_s:>23.2f} | "
            f"{row.rest_s:>6.2f} | {row.ratio:>5.2f} | {row.matched:>7} | {row.solver:<6} | "
            f"{row.proposal_queries:>18} | {row.pairing_queries:>17}"
        )
    for row in rows:
        if (row.mentees, row.mentors) == TARGET_SIZE:
            verdict = "met" if row.ratio <= TARGET_RATIO else "NOT met"
            print(
                f"target request <= {TARGET_RATIO}x engine at {row.mentees}x{row.mentors} "
                f"on {row.engine}: {verdict} ({row.ratio:.2f}x)"
            )
    for engine_name in dict.fromkeys(row.engine for row in rows):
        counts = {(r.proposal_queries, r.pairing_queries) for r in rows if r.engine == engine_name}
        verdict = "constant" if len(counts) == 1 else "NOT constant"
        print(f"query counts across sizes on {engine_name}: {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="mentees x mentors, comma separated")
    parser.add_argument("--engines", default=DEFAULT_ENGINES, help="sqlite, postgresql or both")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="an existing database")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    rows = [
        bench_one(engine_name.strip(), mentees, mentors, args.repeats, args.postgres_url)
        for engine_name in args.engines.split(",")
        for mentees, mentors in parse_sizes(args.sizes)
    ]
    print_table(rows, args.repeats, [load_before, os.getloadavg()[0]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
