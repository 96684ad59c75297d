"""What the commands check before they use the database, and say when it is not ready.

Each command names the database it uses (password hidden, a SQLite file by its full
path). The commands that only read or change tokens need a database that exists, answers
and has this version's schema: they never create a SQLite file, and every way that can
fail ends in one `NotReady` message saying what to do, not a traceback.
"""

from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from service.db import make_engine, normalise_database_url
from service.migrate import alembic_config, current_revision, head_revision

BACKENDS = ("sqlite", "postgresql")
SETTING = "MENTORMATCH_DATABASE_URL"


class NotReady(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


@dataclass(frozen=True)
class Database:
    url: str
    where: str
    sqlite_file: Path | None


def describe(url: str) -> Database:
    """The database ``url`` names, as a person should read it; refuses what cannot work."""
    try:
        parsed = make_url(normalise_database_url(url))
    except ArgumentError as exc:
        raise NotReady(
            f"{SETTING} is not a database URL; write sqlite:///path/to/file.db or "
            "postgresql://user:password@host:5432/database"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise NotReady(
            f"mentormatch runs on SQLite or PostgreSQL, but {SETTING} names {backend!r}; "
            "write sqlite:///path/to/file.db or postgresql://user:password@host:5432/database"
        )
    sqlite_file = None
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if "uri" not in parsed.query:
            sqlite_file = Path(parsed.database).expanduser().resolve()
    if sqlite_file is not None:
        where = f"the SQLite file {sqlite_file}"
    else:
        # As the operator wrote it (postgresql://, not the driver it is routed to).
        where = make_url(url).render_as_string(hide_password=True)
    return Database(url=url, where=where, sqlite_file=sqlite_file)


def ensure_creatable(database: Database) -> None:
    """For the commands that may create a SQLite file: its folder must exist."""
    file = database.sqlite_file
    if file is not None and not file.parent.is_dir():
        raise NotReady(
            f"cannot create {database.where}: the folder {file.parent} does not exist. "
            f"Create it, or point {SETTING} at another file."
        )


def open_migrated(database: Database) -> Engine:
    """An engine on ``database``, which must exist, answer and be at this version's schema."""
    if database.sqlite_file is not None and not database.sqlite_file.is_file():
        raise NotReady(
            f"there is no database at {database.where}. Run `mentormatch migrate` to create "
            f"one here, or set {SETTING} to the service's database (as `mentormatch serve` "
            "is started with)."
        )
    engine = make_engine(database.url)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    except DBAPIError as exc:
        engine.dispose()
        raise NotReady(
            f"could not use the database at {database.where}: {driver_message(exc)}. "
            f"Check that it is running and that {SETTING} names it."
        ) from exc
    problem = schema_problem(revision, where=database.where)
    if problem:
        engine.dispose()
        raise NotReady(problem)
    return engine


def schema_problem(revision: str | None, *, where: str) -> str | None:
    """What is wrong with a database at schema ``revision``, or None if it is current."""
    head = head_revision()
    if revision == head:
        return None
    if revision is None:
        return (
            f"the database at {where} has no mentormatch tables yet. "
            "Run `mentormatch migrate` to create them (`mentormatch serve` also does)."
        )
    if is_known(revision):
        return (
            f"the database at {where} is at schema revision {revision}; this version of "
            f"mentormatch needs {head}. Run `mentormatch migrate` to upgrade it."
        )
    return (
        f"the database at {where} is at schema revision {revision}, which this version of "
        f"mentormatch does not know (its latest is {head}): a newer version migrated it. "
        "Use that version, or restore a backup taken before the upgrade."
    )


def is_known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def driver_message(exc: DBAPIError) -> str:
    """The database driver's own first line, without SQL or parameters."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0].strip() if lines else type(exc.orig).__name__
