"""`mentormatch serve` as a real process, for the tests that need a server on a port.

Each server runs in the test's temporary folder (no stray ``.env`` or
``mentormatch.db`` from the project folder), with the settings it is given and none
inherited from the environment, and writes its output to a log the failures quote.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_TIMEOUT = 60.0

Process = subprocess.Popen[bytes]


def mentormatch_program() -> str:
    program = Path(sys.executable).parent / "mentormatch"
    found = str(program) if program.is_file() else shutil.which("mentormatch")
    assert found, "the mentormatch command is not installed (pip install -e .)"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(
    database_url: str, *, workers: int = 1, settings: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a server on a free port: ``settings`` are MENTORMATCH_* values."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("MENTOR")}
    return inherited | {
        "MENTORMATCH_DATABASE_URL": database_url,
        "MENTORMATCH_HOST": "127.0.0.1",
        "MENTORMATCH_PORT": str(free_port()),
        "MENTORMATCH_WORKERS": str(workers),
        **(settings or {}),
    }


def base_url(env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{env['MENTORMATCH_PORT']}"


def wait_until_ready(base: str, process: Process, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, f"the server exited:\n{log.read_text()}"
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, (
            f"not ready in {START_TIMEOUT:.0f} s:\n{log.read_text()}"
        )
        time.sleep(0.2)


def stop(process: Process) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def start(env: dict[str, str], folder: Path, log: Path) -> Process:
    """A server started and ready to answer (stopped again if it does not get there)."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [mentormatch_program(), "serve"],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_ready(base_url(env), process, log)
    except BaseException:
        stop(process)
        raise
    return process


@contextmanager
def serving(env: dict[str, str], folder: Path, log: Path) -> Iterator[str]:
    """Its base URL while the block runs; stopped after it."""
    process = start(env, folder, log)
    try:
        yield base_url(env)
    finally:
        stop(process)
