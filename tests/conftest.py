"""Test database and client fixtures.

The database is built once per session by running the real migrations, on
SQLite by default or on the server named by ``MENTORMATCH_TEST_DATABASE_URL``
(a scratch database is created there and dropped afterwards). Each test runs
inside a transaction that is rolled back, so tests are independent and can run
in any order; the app's session dependency is overridden to use it.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from service.config import Settings
from service.crud import audit
from service.db import get_session, make_engine
from service.main import create_app
from service.migrate import upgrade
from service.models import Role
from service.security import issue_token
from tests.postgres import TEST_DATABASE_URL_VARIABLE, scratch_database


def _empty_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server_url = os.environ.get(TEST_DATABASE_URL_VARIABLE)
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    with scratch_database(server_url) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's database, migrated once by the ``engine`` fixture."""
    yield from _empty_database(tmp_path_factory)


@pytest.fixture
def empty_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own with nothing in it, for tests of migrations and the CLI."""
    yield from _empty_database(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        upgrade(connection)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    # Commits inside the test (the app's, or a test's own) only release a savepoint;
    # the outer transaction is rolled back when the test ends.
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The tests run the worker's passes themselves, on a clock they move.
    return Settings(database_url=database_url, registration_open=True, embedded_worker=False)


@pytest.fixture
def client(session: Session, settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = create_app(settings)
    app.state.engine = engine

    def test_session() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[get_session] = test_session
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def coordinator(session: Session) -> dict[str, str]:
    """Authorization headers of a coordinator, whose token is made as the CLI makes it."""
    audit.act_as(session, audit.SYSTEM)
    _, secret = issue_token(session=session, role=Role.coordinator, name="Test coordinator")
    # Committed (to the test's savepoint) so that a request rolling back keeps it.
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
