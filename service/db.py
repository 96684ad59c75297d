"""Engine factory and the per-request session (one transaction per request)."""

import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine


def normalise_database_url(url: str) -> str:
    """Accept the usual PostgreSQL spellings and route them to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


SQLITE_WRITE_INTENT = "mentormatch_sqlite_write_intent"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Connections beyond the pool's size, for whatever shares the engine without being a
# request (a test's own session): requests never need them, see service.limits.
POOL_HEADROOM = 4
POOL_TIMEOUT_SECONDS = 10


def make_engine(url: str, *, pool_size: int | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url``; ``pool_size``: the connections requests may hold at once.

    Statements' parameters never appear in its errors' messages, which may be logged.
    """
    url = normalise_database_url(url)
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if pool_size is not None and not in_memory:
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", POOL_HEADROOM)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    if parsed.get_backend_name() == "sqlite":
        # Requests run in a thread pool; each thread checks out its own connection,
        # but the pool may hand a connection to a different thread than made it.
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; SQLAlchemy
    # takes over (see _begin_sqlite), as its documentation recommends.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys unless asked, and WAL lets readers run beside a writer.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    # A writing transaction takes the write lock up front (BEGIN IMMEDIATE): two
    # requests that read then write would otherwise fail on upgrading their locks
    # instead of waiting their turn.
    immediate = connection.get_execution_options().get(SQLITE_WRITE_INTENT, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> None:
    """Start the session's transaction as one that will write (before it reads)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.connection(execution_options={SQLITE_WRITE_INTENT: True})


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session whose transaction commits when the request succeeds."""
    engine: Engine = request.app.state.engine
    with Session(engine) as session:
        if request.method not in READ_METHODS:
            begin_write(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# Makes the sessions of work done outside a request (the worker): from an engine in
# production, from a test's own connection in tests.
SessionFactory = Callable[[], Session]


def session_factory(engine: Engine) -> SessionFactory:
    return lambda: Session(engine)


class DatabaseUnreachable(RuntimeError):
    """The database did not answer within the configured wait."""


def wait_for_database(url: str, *, seconds: float) -> None:
    """Retry connecting for a while: in a deployment the database may still be starting."""
    engine = make_engine(url)
    deadline = time.monotonic() + seconds
    delay = 0.25
    try:
        while True:
            try:
                with engine.connect():
                    return
            except OperationalError as exc:
                if time.monotonic() + delay > deadline:
                    where = make_url(normalise_database_url(url)).render_as_string(
                        hide_password=True
                    )
                    raise DatabaseUnreachable(
                        f"could not reach the database at {where} within {seconds:g} s: "
                        f"{str(exc.orig).strip() or exc}"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
    finally:
        engine.dispose()
