"""Prometheus metrics: requests by route and status, their latency, and match runs.

``GET /metrics`` serves them in Prometheus' text format when ``MENTORMATCH_METRICS`` is
``open`` (to anyone who can reach it) or ``token`` (to ``Authorization: Bearer`` and
``MENTORMATCH_METRICS_TOKEN``); ``off``, the default, serves nothing. Requests are
labelled by route template (``/mentors/{mentor_id}``), never by the path itself, so no
id, search text or other personal data becomes a label. Match runs are counted when
they are stored (a run whose transaction then fails is counted all the same).

Each process counts on its own. With several workers, ``mentormatch serve`` sets
``PROMETHEUS_MULTIPROC_DIR`` to a private folder before they start, each worker writes
its samples there, and ``GET /metrics`` adds up every worker's (prometheus_client's
multiprocess mode).
"""

import hmac
import os
import time

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import Settings
from service.errors import Unauthorized
from service.models import MatchRun

REQUESTS = Counter(
    "mentormatch_http_requests_total",
    "Requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "mentormatch_http_request_duration_seconds",
    "Time to answer a request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
MATCH_RUNS = Counter("mentormatch_match_runs_total", "Match runs stored, by solver.", ["solver"])
MATCH_RUN_DURATION = Histogram(
    "mentormatch_match_run_duration_seconds",
    "Time to load the cohort, solve and store a match run, by solver.",
    ["solver"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
_SIZES = (10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000)
MATCH_RUN_MENTEES = Histogram(
    "mentormatch_match_run_mentees", "Mentees a match run considered.", buckets=_SIZES
)
MATCH_RUN_MENTORS = Histogram(
    "mentormatch_match_run_mentors", "Mentors a match run considered.", buckets=_SIZES
)
MATCHED = Counter("mentormatch_match_run_matched_total", "Mentees that match runs proposed for.")
UNMATCHED = Counter("mentormatch_match_run_unmatched_total", "Mentees that match runs left out.")

# A request no route answered (a 404 for an unknown path): one label, not one per path.
UNMATCHED_ROUTE = "<unmatched>"


def record_match_run(run: MatchRun) -> None:
    """Count a stored match run: its duration, cohort size and outcome."""
    solver = str(run.solver)
    MATCH_RUNS.labels(solver).inc()
    MATCH_RUN_DURATION.labels(solver).observe(run.duration_ms / 1000)
    MATCH_RUN_MENTEES.observe(run.mentees_considered)
    MATCH_RUN_MENTORS.observe(run.mentors_considered)
    MATCHED.inc(run.matched_count)
    UNMATCHED.inc(run.unmatched_count)


class RequestMetrics:
    """Pure ASGI middleware: count and time every request by its route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # The router leaves the route it chose in the scope.
            route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
            method = scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def install_metrics(app: FastAPI, settings: Settings) -> None:
    """Count requests and serve ``GET /metrics``, unless ``settings.metrics`` is off."""
    if settings.metrics == "off":
        return
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    def metrics(request: Request) -> Response:
        if settings.metrics == "token":
            offered = request.headers.get("authorization", "")
            expected = f"Bearer {token}".encode()
            if token is None or not hmac.compare_digest(offered.encode(), expected):
                raise Unauthorized("send 'Authorization: Bearer <MENTORMATCH_METRICS_TOKEN>'")
        return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(
        "/metrics", metrics, methods=["GET"], tags=["metrics"], include_in_schema=False
    )
    app.add_middleware(RequestMetrics)
