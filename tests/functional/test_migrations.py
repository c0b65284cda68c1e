"""Migrations run on both databases and agree with the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from dailypapers.config import Settings
from dailypapers.db import Base, Database
from dailypapers.migrations import current_revision, head_revision, include_name, is_up_to_date


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:Did not recognize type .vector. of column .embedding.")
def test_models_and_migrations_agree(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; generate a migration: {diff}"


def test_database_is_at_head(settings: Settings, db: Database) -> None:
    assert head_revision() is not None
    assert current_revision(settings) == head_revision()
    assert is_up_to_date(settings)


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(settings: Settings, db: Database) -> None:
    if not settings.is_sqlite:
        return
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == settings.sqlite_busy_timeout_ms
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_downgrade_and_upgrade_round_trip(tmp_path: object) -> None:
    from pathlib import Path

    from alembic import command

    from dailypapers.db import create_db_engine
    from dailypapers.migrations import alembic_config

    settings = Settings(data_dir=Path(str(tmp_path)), database_url=None)
    engine = create_db_engine(settings)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        command.downgrade(alembic_config(connection), "base")
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()
    assert current_revision(settings) == head_revision()
