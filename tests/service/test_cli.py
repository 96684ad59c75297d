"""The mentormatch command: migrate and coordinator tokens, on a database of its own."""

import pytest
from fastapi.testclient import TestClient

from service.cli import main
from service.config import Settings, get_settings
from service.main import create_app
from tests.factories import bearer


@pytest.fixture
def cli_database(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MENTORMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    yield empty_database_url  # type: ignore[misc]
    get_settings.cache_clear()


def test_token_lifecycle_from_the_command_line(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert "latest schema revision" in capsys.readouterr().out
    assert main(["create-token", "--name", "Programme lead", "--expires-in-days", "30"]) == 0
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("mm_")

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

    assert main(["revoke-token", "99"]) == 1


def test_demo_creates_a_cohort_runs_a_match_and_prints_the_pairings(
    cli_database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["demo", "--yes", "--mentees", "30", "--mentors", "10", "--show", "5"]) == 0
    out = capsys.readouterr().out
    assert "Demo cohort: 30 mentees, 10 mentors (seed 1)" in out
    assert "Greedy baseline" in out
    table = out.split("reason\n", 1)[1].strip().splitlines()
    assert len(table) >= 5
    assert any("same sector" in line or "related sector" in line for line in table)

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["demo"]) == 1  # people exist, no --yes, nobody to ask
    assert "--yes" in capsys.readouterr().err

    with TestClient(create_app(Settings(database_url=cli_database))) as client:
        assert main(["create-token", "--name", "x"]) == 0
        secret = capsys.readouterr().out.strip()
        mentees = client.get("/mentees", headers=bearer(secret)).json()
        assert mentees["count"] == 30
        runs = client.get("/match-runs", headers=bearer(secret)).json()
        assert runs["count"] == 1

    # The same seed gives the same cohort and the same proposals.
    assert main(["demo", "--yes", "--mentees", "30", "--mentors", "10", "--show", "5"]) == 0
    again = capsys.readouterr().out
    assert again.split("reason\n", 1)[1] == out.split("reason\n", 1)[1]
