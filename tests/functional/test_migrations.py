"""Migrations run on both databases and agree with the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Base, Database, utcnow
from dailypapers.migrations import current_revision, head_revision, include_name, is_up_to_date
from dailypapers.papers.models import Paper
from dailypapers.votes.models import Vote
from tests.conftest import FIXTURES
from tests.factories import load_days, make_user


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


@pytest.mark.sqlite_only
def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(settings: Settings, db: Database) -> None:
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == settings.sqlite_busy_timeout_ms
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.postgresql_only
def test_postgresql_connections_use_no_server_side_prepared_statements(db: Database) -> None:
    """The PostgreSQL counterpart of the SQLite connection settings (PostgreSQL has no per-connection pragmas to
    set): psycopg's automatic prepared statements stay off (their generic plans made full-text search scan)."""
    with db.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None and driver.prepare_threshold is None  # type: ignore[attr-defined]
        for _ in range(10):  # psycopg would prepare after five executions
            connection.execute(text("SELECT 1 WHERE 1 = :x"), {"x": 1})
        assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() == 0


def test_foreign_keys_are_enforced(db: Database) -> None:
    """On both databases a row cannot point at a missing parent, and deleting a parent cascades."""
    with pytest.raises(IntegrityError), db.write() as session:
        session.add(Vote(user_id=987_654, paper_id=987_654, created_at=utcnow()))
    user = make_user(db, "ada")
    load_days(db, FIXTURES / "hf_days" / "2024-06-03.json")
    with db.write() as session:
        paper_id = session.scalars(select(Paper.id)).first()
        session.add(Vote(user_id=user.id, paper_id=paper_id, created_at=utcnow()))
    with db.write() as session:
        session.execute(delete(User).where(User.id == user.id))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == 0


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
