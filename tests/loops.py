"""Event loops for tests that are not themselves async."""

import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

T = TypeVar("T")


def run_apart(main: Callable[[], Awaitable[T]]) -> T:
    """``main()`` on an event loop of its own thread, and its result.

    The browser tests keep an event loop running in the main thread (Playwright's sync
    API), and ``asyncio.run`` refuses to start a second one there.
    """
    results: list[T] = []
    failures: list[BaseException] = []

    async def call() -> None:
        results.append(await main())

    def in_thread() -> None:
        try:
            anyio.run(call)
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]
    return results[0]
