"""Running the Alembic migrations from the application (CLI, start-up, tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from service.db import make_engine


def alembic_config() -> Config:
    """The project's ``alembic.ini``: in the working directory, or beside the source tree."""
    for folder in (Path.cwd(), Path(__file__).resolve().parent.parent):
        ini = folder / "alembic.ini"
        if ini.is_file() and (folder / "migrations" / "env.py").is_file():
            return Config(str(ini))
    raise FileNotFoundError(
        "alembic.ini and migrations/ not found; run mentormatch from the project folder"
    )


def upgrade(connection: Connection, revision: str = "head") -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def upgrade_url(database_url: str, revision: str = "head") -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            upgrade(connection, revision)
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
