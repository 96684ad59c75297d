"""Benchmark of spreadsheet imports through a real server: linear in rows, on both engines.

For each engine and size it creates a scratch database, migrates it, starts
``mentormatch serve`` and times, as the client sees them:

- ``create s``: ``POST /mentees/import`` of N new mentees (the demo generator's);
- ``unchanged s``: the same file again (every row matched by email, nothing written);
- ``update s``: the file with every mentee's goals changed (N updates).

``s/1000 rows`` of the create column shows whether the cost grows linearly. The target
is 20,000 rows in under 30 s on either engine. Run from the repository root:

    .venv/bin/python -m benchmarks.bench_import --sizes 1000,5000,20000 --engines sqlite,postgresql
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
from dataclasses import dataclass

import httpx
from sqlmodel import Session

from benchmarks.bench_api import (
    DEFAULT_POSTGRES_URL,
    SEED,
    log,
    scratch_database,
    server,
)
from service import demo
from service.crud import audit
from service.crud.taxonomy import load_index
from service.db import make_engine
from service.migrate import upgrade_url
from service.models import MenteeCreate, Role
from service.security import issue_token
from service.spreadsheets.registers import MENTEES

TIMEOUT = httpx.Timeout(900.0, connect=10.0)
TARGET_ROWS, TARGET_SECONDS = 20_000, 30.0


@dataclass(frozen=True)
class Row:
    engine: str
    rows: int
    create_s: float
    unchanged_s: float
    update_s: float


def mentees_csv(people: list[MenteeCreate], goals_suffix: str = "") -> bytes:
    columns = [c for c in MENTEES.columns if c not in ("id", "status")]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for person in people:
        writer.writerow(
            [
                person.name,
                person.email,
                person.organisation,
                person.legal_form,
                person.stage,
                person.primary_sector,
                "; ".join(person.other_sectors),
                "; ".join(f"{need.skill}:{need.priority}" for need in person.needs),
                person.region,
                person.meeting_mode.value,
                person.goals + goals_suffix,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def prepare(url: str, rows: int) -> tuple[str, list[MenteeCreate]]:
    upgrade_url(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            audit.act_as(session, audit.SYSTEM)
            people = demo.generate(load_index(session=session), mentees=rows, mentors=0, seed=SEED)
            _, secret = issue_token(session=session, role=Role.coordinator, name="bench")
            session.commit()
    finally:
        engine.dispose()
    return secret, people.mentees


def timed_import(base_url: str, secret: str, content: bytes, expect: dict[str, int]) -> float:
    started = time.perf_counter()
    response = httpx.post(
        f"{base_url}/mentees/import",
        content=content,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/csv"},
        timeout=TIMEOUT,
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"import failed: {response.status_code} {response.text[:500]}")
    summary = response.json()
    for key, value in expect.items():
        if summary[key] != value:
            raise RuntimeError(f"expected {key}={value}, got {summary}")
    return elapsed


def bench_one(engine_name: str, rows: int, postgres_url: str) -> Row:
    with scratch_database(engine_name, postgres_url) as url:
        secret, people = prepare(url, rows)
        with server(url) as base_url:
            log(f"{engine_name} {rows} rows: create")
            create = timed_import(base_url, secret, mentees_csv(people), {"created": rows})
            log(f"{engine_name} {rows} rows: unchanged")
            same = timed_import(base_url, secret, mentees_csv(people), {"unchanged": rows})
            log(f"{engine_name} {rows} rows: update")
            update = timed_import(
                base_url, secret, mentees_csv(people, " (revised)"), {"updated": rows}
            )
    return Row(engine_name, rows, create, same, update)


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'engine':<11}|{'rows':>7} |{'create s':>9} |{'s/1000 rows':>12} |"
        f"{'unchanged s':>12} |{'update s':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.engine:<11}|{row.rows:>7} |{row.create_s:>9.2f} |"
            f"{1000 * row.create_s / row.rows:>12.3f} |{row.unchanged_s:>12.2f} |"
            f"{row.update_s:>9.2f}"
        )
    at_target = [row for row in rows if row.rows == TARGET_ROWS]
    for row in at_target:
        verdict = "meets" if row.create_s < TARGET_SECONDS else "MISSES"
        print(
            f"{row.engine}: {TARGET_ROWS} rows created in {row.create_s:.1f} s, "
            f"{verdict} the {TARGET_SECONDS:.0f} s target"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--repeats", type=int, default=1, help="median of this many runs")
    args = parser.parse_args(argv)
    results = []
    for engine_name in args.engines.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            runs = [bench_one(engine_name, size, args.postgres_url) for _ in range(args.repeats)]
            results.append(
                Row(
                    engine_name,
                    size,
                    statistics.median(r.create_s for r in runs),
                    statistics.median(r.unchanged_s for r in runs),
                    statistics.median(r.update_s for r in runs),
                )
            )
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
