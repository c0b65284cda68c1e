"""Alembic migrations, driven from code (no alembic.ini needed): ``dailypapers db upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from dailypapers.config import Settings
from dailypapers.db import create_db_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent
# Created by raw SQL in migrations 0003 and 0004 (keyword index, pgvector), unknown to the models on purpose.
KEYWORD_INDEX_NAMES = frozenset(
    {
        "papers_fts",
        "papers_fts_data",
        "papers_fts_idx",
        "papers_fts_docsize",
        "papers_fts_config",
        "papers_fts_vocab",
        "search_vector",
        "ix_papers_search_vector",
        "ix_papers_title_trgm",
        "ix_papers_title_lower",
        "embedding",
        "ix_paper_vectors_hnsw_minilm",
    }
)


def include_name(name: str | None, _type: str, _parent_names: object) -> bool:
    """Autogenerate and the model/migration check ignore the keyword index objects."""
    return name not in KEYWORD_INDEX_NAMES


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    engine = create_db_engine(settings)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    finally:
        engine.dispose()


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    command.upgrade(alembic_config(connection), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(settings: Settings) -> str | None:
    engine = create_db_engine(settings)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def is_up_to_date(settings: Settings) -> bool:
    return current_revision(settings) == head_revision()
