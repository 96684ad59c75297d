"""The schema is owned by the migrations: they build it from nothing, and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import service.models  # noqa: F401  (registers every table)
from service.db import make_engine
from service.migrate import current_revision, downgrade, head_revision, upgrade, upgrade_url


def test_upgrade_from_empty_reaches_head_and_seeds_the_taxonomy(empty_database_url: str) -> None:
    upgrade_url(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision()
            tables = set(inspect(connection).get_table_names())
            assert {"mentor", "mentee", "mentor_term", "mentee_term", "taxonomy_term"} <= tables
            counts = dict(
                connection.execute(
                    text("SELECT vocabulary, COUNT(*) FROM taxonomy_term GROUP BY vocabulary")
                ).all()
            )
            assert counts["sector"] == 19
            assert counts["skill"] == 24
            assert counts["region"] == 12
    finally:
        engine.dispose()


def test_models_agree_with_the_migrations(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            upgrade(connection)
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            upgrade(connection)
            downgrade(connection, "base")
            assert "mentor" not in inspect(connection).get_table_names()
            upgrade(connection)
            assert current_revision(connection) == head_revision()
    finally:
        engine.dispose()
