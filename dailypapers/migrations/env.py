"""Alembic environment: runs on the connection handed over by ``dailypapers.migrations``."""

from __future__ import annotations

from alembic import context

import dailypapers.models  # noqa: F401  (registers every table on Base.metadata)
from dailypapers.config import Settings
from dailypapers.db import Base, create_db_engine
from dailypapers.migrations import include_name

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_db_engine(Settings())
    with engine.begin() as new_connection:
        _run(new_connection)
    engine.dispose()
