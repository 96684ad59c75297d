"""Pure ASGI guards: how big a request may be, and how many are served at once.

``BodySizeLimit`` refuses a body over its limit with a 413: a declared
Content-Length over the limit before the body is read; a streamed body as soon
as it passes the limit, by raising an HTTPException from ``receive`` that the
app's error handler renders as usual.

``ConcurrencyLimit`` lets at most ``max_concurrent`` requests into the app at once;
the others wait their turn, in order, for up to ``wait_seconds``, and at most
``max_waiting`` of them. A request that finds the line full, or waits its time out,
gets a 503 with ``Retry-After`` at once. Why: a request runs in several thread-pool
hops (its dependencies, its handler, its commit) and keeps its database connection
from the first query to the commit. Let in more requests than there are pooled
connections, and the threads fill with requests waiting for a connection while
those holding one wait for a thread to commit in: nothing moves until the pool's
timeout turns them all into 500s. With no more requests inside than connections
(the pool is sized to ``max_concurrent``) and threads, every hop finds what it
needs, and a burst only queues.
"""

from collections.abc import Collection
from dataclasses import dataclass

import anyio
from anyio.lowlevel import RunVar
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import RETRY_BUSY_SECONDS, problem_message

# Routes that read a spreadsheet file: they take the (larger) file limit.
UPLOAD_PATH_ENDINGS = ("/import", "/decisions")
# The routes that need no database: a liveness probe must answer during a burst.
UNQUEUED_PATHS = frozenset({"/health"})


class BodySizeLimit:
    """Refuse bodies over their limit: ``max_csv_bytes`` for file uploads, ``max_bytes`` else."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_csv_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_bytes
        self.max_csv_bytes = max_csv_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"].endswith(UPLOAD_PATH_ENDINGS)
        limit = self.max_csv_bytes if upload else self.max_json_bytes
        await _Limited(self.app, limit)(scope, receive, send)


class _Limited:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            for message in problem_message(413, self._detail, "payload_too_large"):
                await send(message)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._detail)
            return message

        await self.app(scope, limited_receive, send)

    @property
    def _detail(self) -> str:
        return f"request body is larger than {self.max_bytes} bytes"


@dataclass
class _Line:
    places: anyio.Semaphore
    waiting: int = 0


class ConcurrencyLimit:
    """At most ``max_concurrent`` requests inside at once; a bounded, timed line for the rest."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_concurrent: int,
        max_waiting: int,
        wait_seconds: float,
        unqueued_paths: Collection[str] = UNQUEUED_PATHS,
    ) -> None:
        self.app = app
        self.max_concurrent = max_concurrent
        self.max_waiting = max_waiting
        self.wait_seconds = wait_seconds
        self.unqueued_paths = unqueued_paths
        # One line per event loop: a server runs one; tests may run a loop per client.
        self._line: RunVar[_Line] = RunVar("mentormatch_line")

    def _current_line(self) -> _Line:
        try:
            return self._line.get()
        except LookupError:
            line = _Line(anyio.Semaphore(self.max_concurrent, fast_acquire=True))
            self._line.set(line)
            return line

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.unqueued_paths:
            await self.app(scope, receive, send)
            return
        line = self._current_line()
        if line.places.value == 0 and line.waiting >= self.max_waiting:
            await self._refuse(send, f"{line.waiting} requests are already waiting")
            return
        line.waiting += 1
        try:
            with anyio.move_on_after(self.wait_seconds) as wait:
                await line.places.acquire()
        finally:
            line.waiting -= 1
        if wait.cancelled_caught:  # the wait ran out: no place was taken
            await self._refuse(send, f"no place came free within {self.wait_seconds:g} s")
            return
        try:
            await self.app(scope, receive, send)
        finally:
            line.places.release()

    async def _refuse(self, send: Send, why: str) -> None:
        detail = f"the service is busy ({why}); try again in {RETRY_BUSY_SECONDS} s"
        headers = {"Retry-After": str(RETRY_BUSY_SECONDS)}
        for message in problem_message(503, detail, "busy", headers):
            await send(message)
