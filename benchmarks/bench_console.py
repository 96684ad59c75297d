"""Benchmark of the console's main pages with a large register.

For each database engine, it creates a scratch database, migrates it, loads the
seeded demo cohort (``service.demo``, not timed), accepts the proposals of one
match run (not timed) so that pairings exist, signs in to the console and times
``--requests`` GETs of each main page through the app in process (Starlette's
test client: no network, one request at a time). It prints the median and p95 in
milliseconds. Lists are paged and filtered in SQL, so a late page or a filter
should cost about what the first page does.

PostgreSQL is expected at 127.0.0.1:5432 (``--postgres-url``). From the repository root:

    .venv/bin/python -m benchmarks.bench_console --mentees 10000 --mentors 4000 \
        --engines sqlite,postgresql --requests 50
"""

from __future__ import annotations

import argparse
import statistics
import time

from fastapi.testclient import TestClient

from benchmarks.bench_api import prepare, scratch_database
from service.config import Settings
from service.db import make_engine
from service.main import create_app

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def pages(client: TestClient) -> dict[str, str]:
    """The pages to time, by label; ids are read from the loaded data."""
    mentee = client.get("/mentees?limit=1").json()["data"][0]["id"]
    run = client.get("/match-runs?limit=1").json()["data"][0]["id"]
    return {
        "dashboard": "/console",
        "mentees, page 1": "/console/mentees",
        "mentees, page 150": "/console/mentees?page=150",
        "mentees, filtered": "/console/mentees?status=waiting&sector=housing&skill=pensions",
        "mentees, text search": "/console/mentees?q=mutual",
        "mentors, page 1": "/console/mentors",
        "mentee profile": f"/console/mentees/{mentee}",
        "match run review": f"/console/match-runs/{run}",
        "pairings, page 1": "/console/pairings",
        "pairings, active": "/console/pairings?status=active",
    }


def measure(url: str, secret: str, requests: int) -> list[tuple[str, float, float]]:
    app = create_app(Settings(database_url=url, log_level="warning"))
    engine = make_engine(url)
    app.state.engine = engine
    results = []
    try:
        with TestClient(app) as client:
            client.headers["Authorization"] = f"Bearer {secret}"
            # A run, accepted, so that the review and pairings pages have rows (not timed).
            run = client.post("/match-runs", json={})
            run.raise_for_status()
            accepted = client.post(f"/match-runs/{run.json()['id']}/accept", json={})
            accepted.raise_for_status()
            del client.headers["Authorization"]
            signed_in = client.post(
                "/console/sign-in", data={"token": secret}, follow_redirects=False
            )
            if signed_in.status_code != 303:
                raise RuntimeError(f"sign-in failed: {signed_in.status_code}")
            client.headers["Authorization"] = f"Bearer {secret}"
            targets = pages(client)
            for label, path in targets.items():
                times = []
                for _ in range(requests + 2):
                    started = time.perf_counter()
                    response = client.get(path, follow_redirects=False)
                    times.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"GET {path}: {response.status_code}")
                times = sorted(times[2:])  # the first two warm caches
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                results.append((label, statistics.median(times), p95))
    finally:
        engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentees", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=4_000)
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    options = parser.parse_args()
    for engine_name in options.engines.split(","):
        with scratch_database(engine_name, options.postgres_url) as url:
            secret = prepare(url, options.mentees, options.mentors)
            rows = measure(url, secret, options.requests)
        print(
            f"\n{engine_name}: {options.mentees} mentees, {options.mentors} mentors, "
            f"{options.requests} requests per page"
        )
        print(f"{'page':<24} {'median ms':>10} {'p95 ms':>10}")
        for label, median, p95 in rows:
            print(f"{label:<24} {median:>10.1f} {p95:>10.1f}")


if __name__ == "__main__":
    main()
