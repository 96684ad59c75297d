"""The built wheel, installed in a fresh virtual environment, works from any folder.

The migrations and their ``alembic.ini`` ship inside the package: an operator who
installs the wheel and starts ``mentormatch serve`` in an empty folder gets a migrated
SQLite database there and a ready service, with no checkout anywhere near.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from service.migrate import head_revision
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "service", "matching")
START_TIMEOUT = 60.0


def _environment(venv: Path) -> dict[str, str]:
    """This environment without the app's settings or anything that would find the checkout."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MENTORMATCH_", "PYTHON", "VIRTUAL_ENV"))
    }
    return kept | {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}


def _build_wheel(tmp: Path) -> Path:
    """Build from a copy of the sources, so that the build leaves nothing in the checkout."""
    source, dist = tmp / "source", tmp / "dist"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("mentormatch-*.whl")
    return wheel


def _ready(url: str, process: subprocess.Popen[bytes], log: Path) -> dict[str, object]:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, f"the server exited:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body: dict[str, object] = json.loads(response.read())
                return body
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, f"not ready in time:\n{log.read_text()}"
        time.sleep(0.25)


@pytest.mark.slow
def test_the_installed_wheel_migrates_and_serves_from_an_empty_folder(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    # No pip of its own (ensurepip takes seconds): this pip installs into it, as into any.
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    env = _environment(venv)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", str(wheel)],
        check=True,
        env=env,
        timeout=600,
    )
    folder = tmp_path / "anywhere"
    folder.mkdir()

    installed = subprocess.run(
        [python, "-c", "import service; print(service.__file__)"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(installed).is_relative_to(venv), "the installed package, not the checkout"

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    shown = subprocess.run(
        ["mentormatch", "--version"], cwd=folder, env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"mentormatch {version}"

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["mentormatch", "serve", "--port", str(port)],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        readiness = _ready(f"http://127.0.0.1:{port}/health/ready", process, log)
        assert readiness["schema_revision"] == head_revision()
        assert (folder / "mentormatch.db").is_file()
        said = log.read_text()
        assert f"the SQLite file {folder / 'mentormatch.db'}" in said
        assert "Traceback" not in said
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
