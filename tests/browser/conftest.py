"""Browser tests: the console in Debian's Chromium, driven by Playwright, checked by axe-core.

One live server per database engine (a fresh SQLite file, and a scratch
PostgreSQL database beside the test server) serves every test of the session;
one Chromium serves them all, with a fresh context (cookies, viewport) per test.
Journeys that write run on both engines (``visit``); what depends only on the
HTML (every page at both widths, the documentation) runs once (``sqlite_visit``).
Every page a test visits is photographed into ``tests/browser/screenshots/``
(git-ignored) and checked with axe-core: no serious or critical violation.

Without Chromium (or Playwright) the tests are skipped with a message saying how
to enable them, except under ``CI=true``, where they fail instead: CI must not
pass without having run them. The same holds for PostgreSQL.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from tests.postgres import reachable_server, scratch_database

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_VARIABLE = "MENTORMATCH_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_ENABLE = (
    "the browser tests need Debian's Chromium: apt-get install -y chromium "
    f"(or set {CHROMIUM_VARIABLE} to a Chromium binary)"
)
WIDTHS = {"desktop": 1280, "phone": 390}
MAX_PHOTO_HEIGHT = 3_000
# (test, page, width) that axe-core has passed in this session.
_AXE_CHECKED: set[tuple[str, str, int]] = set()
SERIOUS = ("serious", "critical")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip, saying how to enable the test; under CI=true, fail instead."""
    if in_ci():
        pytest.fail(f"CI=true, but {reason}", pytrace=False)
    pytest.skip(reason)


# -- the browser ------------------------------------------------------------------------


def chromium_executable() -> str:
    """The Chromium to drive; without one, a skip that says how to get it (CI: a failure)."""
    executable = os.environ.get(CHROMIUM_VARIABLE, DEFAULT_CHROMIUM)
    if not (Path(executable).is_file() and os.access(executable, os.X_OK)):
        unavailable(f"{executable} is missing: {HOW_TO_ENABLE}")
    return executable


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# -- the live servers -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A running ``mentormatch serve`` with its own database."""

    engine: str
    base_url: str
    database_url: str
    coordinator_token: str

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.coordinator_token}"}
        return httpx.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)


def _environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "MENTORMATCH_DATABASE_URL": database_url,
        "MENTORMATCH_LOG_LEVEL": "warning",
    }


def _cli(database_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=ROOT,
        env=_environment(database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


@contextmanager
def _serve(engine: str, database_url: str, log: Path) -> Iterator[Server]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1"]
            + ["--port", str(port)],
            cwd=ROOT,
            env=_environment(database_url),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base_url}/health/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log.read_text()}")
                time.sleep(0.2)
            token = _cli(database_url, "create-token", "--name", "Browser coordinator")
            yield Server(engine, base_url, database_url, token)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Servers:
    """Servers started on first use, one per engine, stopped when the session ends."""

    def __init__(self, stack: ExitStack, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.stack = stack
        self.tmp_path_factory = tmp_path_factory
        self.started: dict[str, Server] = {}

    def __getitem__(self, engine: str) -> Server:
        if engine not in self.started:
            folder = self.tmp_path_factory.mktemp(f"server-{engine}")
            if engine == "sqlite":
                url = f"sqlite:///{folder / 'console.db'}"
            else:
                scratch = self.stack.enter_context(scratch_database(_postgres()))
                url = scratch.render_as_string(hide_password=False)
            log = folder / "server.log"
            self.started[engine] = self.stack.enter_context(_serve(engine, url, log))
        return self.started[engine]


def _postgres() -> str:
    try:
        return reachable_server()
    except pytest.skip.Exception as exc:
        unavailable(f"PostgreSQL is needed for this parametrisation: {exc}")


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with ExitStack() as stack:
        yield Servers(stack, tmp_path_factory)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, servers: Servers) -> Server:
    """The live server of each engine in turn."""
    return servers[request.param]


# -- pages ------------------------------------------------------------------------------


@dataclass
class Visit:
    """A browser tab that photographs and checks every page it shows.

    ``check()`` saves a full-page screenshot and runs axe-core; every request for
    an asset must succeed, and none may leave this machine's server.
    """

    page: Any
    server: Server
    name: str
    width: int = WIDTHS["desktop"]
    shots: int = 0
    problems: list[str] = field(default_factory=list)

    def goto(self, path: str, label: str) -> Any:
        response = self.page.goto(self.server.base_url + path)
        self.check(label)
        return response

    def photo(self, label: str) -> None:
        """Save a screenshot of the whole page, or of the window on a very long page
        (where the last action left it: a long photograph costs seconds and shows little)."""
        self.page.wait_for_load_state("load")
        self.shots += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        folder = SCREENSHOTS / self.server.engine
        folder.mkdir(parents=True, exist_ok=True)
        height = self.page.evaluate("document.documentElement.scrollHeight")
        self.page.screenshot(
            path=str(folder / f"{self.name}-{self.shots:02d}-{slug}-{self.width}.png"),
            full_page=height <= MAX_PHOTO_HEIGHT,
        )

    def check(self, label: str) -> None:
        """Photograph the page, run axe-core on it, and check every asset loaded.

        A page in the same state is the same HTML on either engine: axe checks it once.
        """
        self.photo(label)
        state = (self.name, label, self.width)
        if state not in _AXE_CHECKED:
            violations = axe_violations(self.page)
            assert violations == [], f"axe on '{label}' at {self.width} px: {violations}"
            _AXE_CHECKED.add(state)
        assert self.problems == [], self.problems

    def resize(self, width: int) -> None:
        self.width = width
        self.page.set_viewport_size({"width": width, "height": 900})

    def too_wide(self) -> list[str]:
        """The elements that stick out of the window sideways (none, on a page that fits)."""
        found: list[str] = self.page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                if (document.documentElement.scrollWidth <= width) return [];
                return [...document.querySelectorAll("body *")]
                    .filter(e => e.getBoundingClientRect().right > width + 1)
                    .slice(-5)
                    .map(e => e.tagName.toLowerCase() + "." + [...e.classList].join("."));
            }"""
        )
        return found


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


@contextmanager
def _visit(request: pytest.FixtureRequest, chromium: Any, server: Server) -> Iterator[Visit]:
    context = chromium.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    page = context.new_page()
    name = re.sub(r"^test_|\[.*$", "", request.node.name)
    visit = Visit(page=page, server=server, name=name)
    local = server.base_url + "/"

    def guard(route: Any) -> None:
        if route.request.url.startswith(local):
            route.continue_()
        else:
            visit.problems.append(f"request to another site: {route.request.url}")
            route.abort()

    def on_response(response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            visit.problems.append(f"{response.status} for {response.url}")

    context.route("**/*", guard)
    page.on("response", on_response)
    page.on("pageerror", lambda error: visit.problems.append(f"script error: {error}"))
    try:
        yield visit
    finally:
        context.close()


@pytest.fixture
def visit(request: pytest.FixtureRequest, chromium: Any, server: Server) -> Iterator[Visit]:
    """A fresh browser context (no cookies) at desktop width, on each engine's server."""
    with _visit(request, chromium, server) as visit:
        yield visit


@pytest.fixture
def sqlite_visit(
    request: pytest.FixtureRequest, chromium: Any, servers: Servers
) -> Iterator[Visit]:
    """The same on the SQLite server only: for what does not depend on the database
    (layout at each width, accessibility of every page, the documentation)."""
    with _visit(request, chromium, servers["sqlite"]) as visit:
        yield visit


def sign_in(visit: Visit, token: str | None = None) -> None:
    """Sign in through the form, as a coordinator would."""
    visit.goto("/console/sign-in", "sign in")
    visit.page.fill("#token", token or visit.server.coordinator_token)
    visit.page.get_by_role("button", name="Sign in").click()
    visit.page.wait_for_url(re.compile(r"/console$"))


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots() -> None:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
