"""Scratch PostgreSQL databases for tests that need one of their own."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from service.db import make_engine, normalise_database_url

TEST_DATABASE_URL_VARIABLE = "MENTORMATCH_TEST_DATABASE_URL"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/test"


def reachable_server() -> str:
    """The PostgreSQL server the tests may use, or a skip saying why there is none."""
    url = os.environ.get(TEST_DATABASE_URL_VARIABLE, DEFAULT_SERVER_URL)
    if make_url(normalise_database_url(url)).get_backend_name() != "postgresql":
        pytest.skip(f"not a PostgreSQL server: {url}")
    engine = make_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means there is no server to use
        pytest.skip(f"PostgreSQL is unreachable at {url}: {type(error).__name__}")
    finally:
        engine.dispose()
    return url


@contextmanager
def scratch_database(server_url: str, prefix: str = "mentormatch_test") -> Iterator[URL]:
    """Create an empty database beside the one in ``server_url``; drop it afterwards."""
    url = make_url(normalise_database_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
