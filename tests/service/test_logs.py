"""Logs hold no personal data, and in JSON mode every line is one JSON object.

A database error in the middle of a request is the hard case: SQLAlchemy's message
quotes the statement's parameters (names, emails, goals), and a driver's message can
quote the row it refused. The app's engine hides parameters, and tracebacks keep
their frames but withhold such messages.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from service.config import Settings
from service.db import make_engine
from service.main import create_app
from service.migrate import upgrade_url
from service.observability import format_exception
from tests.factories import mentee_payload

NAME = "Zebedee Quartermaine"
EMAIL = "zebedee.quartermaine@example.org"
GOALS = "Untangle the Quartermaine pension scheme"


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    upgrade_url(empty_database_url)
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def fail_on_mentee_insert(engine: Engine) -> Any:
    """Make the database refuse the mentee's row, quoting its email as some drivers do."""

    def refuse(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO MENTEE "):
            raise engine.dialect.loaded_dbapi.DatabaseError(f"row refused: {parameters}")

    event.listen(engine, "before_cursor_execute", refuse)
    return refuse


def test_a_failed_statement_does_not_show_its_parameters(engine: Engine) -> None:
    fail_on_mentee_insert(engine)
    with pytest.raises(DBAPIError) as raised, engine.connect() as connection:
        connection.execute(
            text("INSERT INTO mentee (name, email) VALUES (:name, :email)"),
            {"name": NAME, "email": EMAIL},
        )
    assert "parameters hidden" in str(raised.value)
    # The driver's own message is another matter: the log never shows it.
    assert EMAIL in str(raised.value.orig)
    assert EMAIL not in format_exception(raised.value)
    assert "INSERT INTO mentee" in format_exception(raised.value)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_database_failure_mid_request_logs_no_personal_data(
    engine: Engine, log_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(Settings(database_url=str(engine.url), log_format=log_format))
    app.state.engine = engine
    fail_on_mentee_insert(engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/mentees", json=mentee_payload(name=NAME, email=EMAIL, goals=GOALS))
    assert response.status_code == 500
    logged = capsys.readouterr().err
    assert "Traceback" in logged
    assert "DatabaseError" in logged
    for secret in (NAME, EMAIL, GOALS, "Quartermaine"):
        assert secret not in logged
    if log_format == "json":
        lines = [json.loads(line) for line in logged.splitlines()]
        (failure,) = [line for line in lines if "exception" in line]
        assert failure["request_id"] == response.headers["x-request-id"]
        assert [line["status"] for line in lines if line["logger"] == "mentormatch.request"] == [
            500
        ]


def test_the_servers_loggers_write_through_the_apps_handler() -> None:
    import logging

    create_app(Settings(database_url="sqlite://", log_format="json"))
    ours = logging.getLogger("mentormatch").handlers
    for name in ("uvicorn", "uvicorn.error"):
        assert logging.getLogger(name).handlers == ours, name
    assert ours[0] in logging.getLogger().handlers
    # Its access log writes query strings, which may hold names: never written.
    access = logging.getLogger("uvicorn.access")
    assert (access.handlers, access.propagate) == ([], False)
