"""The mentormatch command: migrate and coordinator tokens, on a database of its own."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service import __version__
from service.cli import main
from service.config import Settings, get_settings
from service.db import make_engine, normalise_database_url
from service.main import create_app
from service.migrate import head_revision, upgrade_url
from tests.factories import bearer


@pytest.fixture
def cli_database(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("MENTORMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    yield empty_database_url
    get_settings.cache_clear()


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working folder and no database setting: the default SQLite file is here."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MENTORMATCH_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _is_sqlite(url: str) -> bool:
    return make_url(normalise_database_url(url)).get_backend_name() == "sqlite"


def _one_paragraph(text: str) -> str:
    assert "Traceback" not in text, text
    assert len(text.strip().splitlines()) == 1, text
    return text


TOKEN_COMMANDS = (["create-token", "--name", "Lead"], ["list-tokens"], ["revoke-token", "1"])


def test_token_lifecycle_from_the_command_line(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert "latest schema revision" in capsys.readouterr().out
    assert main(["create-token", "--name", "Programme lead", "--expires-in-days", "30"]) == 0
    created = capsys.readouterr()
    secret = created.out.strip()
    assert secret.startswith("mm_")
    assert "expires" in created.err

    with TestClient(create_app(Settings(database_url=cli_database))) as client:
        assert client.get("/mentors", headers=bearer(secret)).status_code == 200

        assert main(["list-tokens"]) == 0
        listing = capsys.readouterr().out
        assert "Programme lead" in listing
        assert "expires" in listing
        assert secret not in listing

        assert main(["revoke-token", "1"]) == 0
        assert client.get("/mentors", headers=bearer(secret)).status_code == 401
        assert "revoked" in (main(["list-tokens"]), capsys.readouterr().out)[1]

    assert main(["revoke-token", "1"]) == 1
    assert "already revoked" in _one_paragraph(capsys.readouterr().err)
    assert main(["revoke-token", "99"]) == 1
    message = _one_paragraph(capsys.readouterr().err)
    assert "no coordinator token with id 99" in message
    assert "list-tokens" in message


@pytest.mark.parametrize("command", TOKEN_COMMANDS, ids=lambda command: command[0])
def test_token_commands_without_a_database_say_what_to_do_and_create_nothing(
    empty_folder: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(command) == 1
    message = _one_paragraph(capsys.readouterr().err)
    assert f"no database at the SQLite file {empty_folder / 'mentormatch.db'}" in message
    assert "mentormatch migrate" in message
    assert "MENTORMATCH_DATABASE_URL" in message
    assert list(empty_folder.iterdir()) == []


@pytest.mark.parametrize("command", TOKEN_COMMANDS, ids=lambda command: command[0])
def test_token_commands_on_an_unmigrated_database_ask_for_the_migration(
    cli_database: str, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    if _is_sqlite(cli_database):
        Path(make_url(cli_database).database or "").touch()  # an empty file, as others leave
    assert main(command) == 1
    message = _one_paragraph(capsys.readouterr().err)
    assert "has no mentormatch tables yet" in message
    assert "Run `mentormatch migrate`" in message


def test_token_commands_on_an_older_schema_ask_for_the_migration(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade_url(cli_database, "0003")
    assert main(["list-tokens"]) == 1
    message = _one_paragraph(capsys.readouterr().err)
    assert f"at schema revision 0003; this version of mentormatch needs {head_revision()}" in (
        message
    )
    assert main(["migrate"]) == 0
    assert "migrated from 0003" in capsys.readouterr().out
    assert main(["list-tokens"]) == 0


def test_a_database_migrated_by_a_newer_version_is_left_alone(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    engine = make_engine(cli_database)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    capsys.readouterr()
    for command in (["list-tokens"], ["migrate"]):
        assert main(command) == 1
        message = _one_paragraph(capsys.readouterr().err)
        assert "0999" in message
        assert "newer version" in message


@pytest.mark.parametrize("command", [["list-tokens"], ["migrate"]], ids=["list-tokens", "migrate"])
def test_an_unreachable_database_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    monkeypatch.setenv("MENTORMATCH_DATABASE_URL", "postgresql://lead:s3cret@127.0.0.1:1/mm")
    monkeypatch.setenv("MENTORMATCH_DATABASE_WAIT_SECONDS", "0")
    get_settings.cache_clear()
    try:
        assert main(command) == 1
    finally:
        get_settings.cache_clear()
    message = _one_paragraph(capsys.readouterr().err)
    assert "lead:***@127.0.0.1:1/mm" in message
    assert "s3cret" not in message
    assert "MENTORMATCH_DATABASE_URL" in message


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("MENTORMATCH_DATABASE_URL", "mysql://a:b@db/mm", "SQLite or PostgreSQL"),
        ("MENTORMATCH_PORT", "eighty", "MENTORMATCH_PORT"),
        ("MENTORMATCH_METRICS", "token", "MENTORMATCH_METRICS_TOKEN"),
    ],
)
def test_an_unusable_setting_is_named(
    empty_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setting: str,
    value: str,
    named: str,
) -> None:
    monkeypatch.setenv(setting, value)
    assert main(["list-tokens"]) in (1, 2)
    assert named in _one_paragraph(capsys.readouterr().err)
    assert list(empty_folder.iterdir()) == []


@pytest.mark.parametrize("days", ["0", "-1", "3651", "soon"])
def test_token_lifetimes_outside_one_day_to_ten_years_are_refused(
    empty_folder: Path, capsys: pytest.CaptureFixture[str], days: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["create-token", "--name", "Lead", "--expires-in-days", days])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "--expires-in-days" in error
    assert "Traceback" not in error
    assert list(empty_folder.iterdir()) == []


def test_version_and_demo_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"mentormatch {__version__}"
    assert __version__[0].isdigit()

    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "REPLACES every mentor, mentee, match run, pairing and exclusion" in help_text
    assert "it asks first" in help_text


def test_serve_says_which_database_what_was_migrated_and_where_it_listens(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_url(normalise_database_url(cli_database))
    if url.get_backend_name() == "postgresql":
        # The test server trusts local connections, so any password works; none is shown.
        monkeypatch.setenv(
            "MENTORMATCH_DATABASE_URL",
            url.set(password="s3cret").render_as_string(hide_password=False),
        )
        get_settings.cache_clear()
    started: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: started.update(options))

    assert main(["serve", "--port", "8123"]) == 0
    said = capsys.readouterr().err
    assert started["port"] == 8123
    assert started["proxy_headers"] is False
    if url.get_backend_name() == "sqlite":
        assert f"using the database at the SQLite file {url.database}" in said
    else:
        assert f"using the database at postgresql+psycopg://{url.username}:***@" in said
        assert "s3cret" not in said
    assert f"latest schema revision, {head_revision()} (migrated from an empty database)" in said
    assert "listening on http://127.0.0.1:8123" in said
    assert "mentormatch create-token" in said

    assert main(["serve", "--no-migrate"]) == 0
    assert "migrations skipped" in capsys.readouterr().err


def test_demo_creates_a_cohort_runs_a_match_and_prints_the_pairings(
    cli_database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["demo", "--yes", "--mentees", "30", "--mentors", "10", "--show", "5"]) == 0
    out = capsys.readouterr().out
    assert "Demo cohort: 30 mentees, 10 mentors (seed 1)" in out
    assert "Greedy baseline" in out
    table = _table(out)
    header, rows = table[0].split(), [line for line in table if re.match(r"\s*\d+\. ", line)]
    assert header == ["mentee", "mentor", "score"]
    assert len(rows) == 5
    assert any("same sector" in line or "related sector" in line for line in table)

    with TestClient(create_app(Settings(database_url=cli_database))) as client:
        assert main(["create-token", "--name", "x"]) == 0
        secret = capsys.readouterr().out.strip()
        mentees = client.get("/mentees", headers=bearer(secret)).json()
        assert mentees["count"] == 30
        runs = client.get("/match-runs", headers=bearer(secret)).json()
        assert runs["count"] == 1
        proposals = client.get(
            f"/match-runs/{runs['data'][0]['id']}/proposals?limit=5", headers=bearer(secret)
        ).json()["data"]
        sectors = {
            term["code"]: term["label"] for term in client.get("/taxonomy").json()["sectors"]
        }

    # Full names and organisations, never cut short; reasons use labels, not codes.
    for proposal in proposals:
        mentee, mentor = proposal["mentee"], proposal["mentor"]
        assert f"{mentee['name']} ({mentee['organisation']})" in out
        assert f"{mentor['name']} ({mentor['organisation']})" in out
    reasons = " ".join(" ".join(table).split())
    assert not any(f" {code}" in reasons for code in sectors if "_" in code)

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    capsys.readouterr()  # the requests' log lines
    assert main(["demo"]) == 1  # people exist, no --yes, nobody to ask
    assert "--yes" in _one_paragraph(capsys.readouterr().err)

    # The same seed gives the same cohort and the same proposals.
    assert main(["demo", "--yes", "--mentees", "30", "--mentors", "10", "--show", "5"]) == 0
    again = capsys.readouterr().out
    assert _table(again) == table


def _table(out: str) -> list[str]:
    return out.split("with why:\n", 1)[1].split("\nReview it", 1)[0].strip().splitlines()
