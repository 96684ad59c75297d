"""The concurrency guard: a bounded number inside, a bounded and timed line, then a fast 503."""

from collections.abc import Callable

import anyio
import httpx
from starlette.types import Receive, Scope, Send

from service.limits import ConcurrencyLimit
from tests.loops import run_apart


class Gate:
    """An app whose requests stay inside until the gate opens; counts how many are inside."""

    def __init__(self) -> None:
        self.open = anyio.Event()
        self.inside = 0
        self.most_inside = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            if scope["path"] != "/health":
                await self.open.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.inside -= 1


def client_for(gate: Gate, **limits: float) -> httpx.AsyncClient:
    app = ConcurrencyLimit(
        gate,
        max_concurrent=int(limits.get("max_concurrent", 1)),
        max_waiting=int(limits.get("max_waiting", 10)),
        wait_seconds=limits.get("wait_seconds", 10),
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def _wait_for(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(5):
        while not condition():
            await anyio.sleep(0.005)


def test_requests_beyond_the_limit_wait_their_turn_and_all_succeed() -> None:
    async def scenario() -> None:
        gate = Gate()
        statuses: list[int] = []
        async with client_for(gate, max_concurrent=2) as client:

            async def get() -> None:
                statuses.append((await client.get("/taxonomy")).status_code)

            async with anyio.create_task_group() as group:
                for _ in range(6):
                    group.start_soon(get)
                await _wait_for(lambda: gate.inside == 2)
                await anyio.sleep(0.05)  # the other four are waiting, not inside
                assert gate.inside == 2
                gate.open.set()
        assert statuses == [200] * 6
        assert gate.most_inside == 2

    run_apart(scenario)


def test_a_full_line_is_refused_at_once_with_a_retry_after() -> None:
    async def scenario() -> None:
        gate = Gate()
        answers: list[httpx.Response] = []
        async with client_for(gate, max_concurrent=1, max_waiting=1) as client:

            async def get() -> None:
                answers.append(await client.get("/mentors"))

            async with anyio.create_task_group() as group:
                group.start_soon(get)  # inside
                await _wait_for(lambda: gate.inside == 1)
                group.start_soon(get)  # waiting
                await anyio.sleep(0.05)
                refused = await client.get("/mentors")  # the line is full
                assert refused.status_code == 503
                assert refused.headers["retry-after"] == "2"
                assert refused.headers["content-type"] == "application/problem+json"
                assert refused.json()["code"] == "busy"
                assert "1 requests are already waiting" in refused.json()["detail"]
                gate.open.set()
        assert [answer.status_code for answer in answers] == [200, 200]

    run_apart(scenario)


def test_a_wait_that_runs_out_is_a_503_and_the_place_is_not_lost() -> None:
    async def scenario() -> None:
        gate = Gate()
        async with client_for(gate, max_concurrent=1, wait_seconds=0.1) as client:
            async with anyio.create_task_group() as group:
                group.start_soon(client.get, "/mentors")
                await _wait_for(lambda: gate.inside == 1)
                timed_out = await client.get("/mentors")
                assert timed_out.status_code == 503
                assert "within 0.1 s" in timed_out.json()["detail"]
                gate.open.set()
            # The request that gave up holds no place: the next one gets in.
            assert (await client.get("/mentors")).status_code == 200

    run_apart(scenario)


def test_the_liveness_probe_never_queues() -> None:
    async def scenario() -> None:
        gate = Gate()
        async with client_for(gate, max_concurrent=1, max_waiting=0) as client:
            async with anyio.create_task_group() as group:
                group.start_soon(client.get, "/mentors")
                await _wait_for(lambda: gate.inside == 1)
                assert (await client.get("/health")).status_code == 200
                assert (await client.get("/mentors")).status_code == 503
                gate.open.set()

    run_apart(scenario)
