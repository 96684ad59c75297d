"""Running the Alembic migrations from the application (CLI, start-up, tests).

The migrations and their ``alembic.ini`` ship inside the package, so an installed
mentormatch finds them from any working folder.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from service.db import make_engine

ALEMBIC_INI = Path(__file__).resolve().parent / "migrations" / "alembic.ini"


def alembic_config() -> Config:
    """The package's own Alembic configuration."""
    return Config(str(ALEMBIC_INI))


def upgrade(connection: Connection, revision: str = "head") -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def upgrade_url(database_url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade the database; returns its schema revision before and after (None: empty)."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            before = current_revision(connection)
            upgrade(connection, revision)
            after = current_revision(connection)
    finally:
        engine.dispose()
    return before, after


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
