"""Database plumbing: declarative base, engine and session factories, SQLite pragmas.

SQLite is treated as a production database (DESIGN §5 rule 7): WAL so readers never block the writer,
a busy timeout instead of instant "database is locked" errors, foreign keys on, and write transactions that
start with ``BEGIN IMMEDIATE`` so two writers queue on the lock up front instead of failing half-way when a
deferred read transaction tries to upgrade.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from dailypapers.config import Settings

# Stable constraint names so Alembic migrations can refer to (and SQLite batch mode can rebuild) them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; use timezone-aware UTC datetimes")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Connections per process. A request holds one for its session and a few code paths open a second one (the
# vector index's refresh, its first load), so the pool must exceed the thread pool that runs sync handlers
# (anyio's default: 40 threads); otherwise 40 concurrent requests can each hold one connection and all wait
# for a second (found by the web benchmark: a cold paper page under 16 connections stalled for 30 s).
POOL_SIZE = 10
POOL_MAX_OVERFLOW = 50


def create_db_engine(settings: Settings, **kwargs: Any) -> Engine:
    """Create the engine for ``settings``; SQLite gets its pragmas and explicit transaction control."""
    url = settings.sqlalchemy_url
    if not settings.is_sqlite:
        # No server-side prepared statements: after five executions psycopg would switch to them, and their
        # generic plans cannot see a tsquery's selectivity, so full-text queries fell back to sequential scans
        # (35 ms instead of 1 ms at 10k papers).
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_MAX_OVERFLOW)
        return create_engine(url, pool_pre_ping=True, connect_args={"prepare_threshold": None}, **kwargs)

    if url.startswith("sqlite:///") and ":memory:" not in url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_MAX_OVERFLOW)
    engine = create_engine(url, **kwargs)
    busy_timeout_ms = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # NORMAL is durable across application crashes in WAL mode; only a power loss may drop the
        # last transactions, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """Engine plus the two ways to open a session: read (deferred) and write (BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(bind=engine, expire_on_commit=False)
        is_sqlite = engine.dialect.name == "sqlite"
        write_bind = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite else engine
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False)
        # SQLite has one writer. Threads of this process queue here, in order, instead of in SQLite's busy
        # handler, which polls with growing sleeps and lets an unlucky writer starve past busy_timeout under
        # load ("database is locked" seen with 16 concurrent voters on 2 cores). Other processes still wait
        # through busy_timeout. Reentrant, though nothing opens a write inside a write.
        self._write_lock: threading.RLock | None = threading.RLock() if is_sqlite else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(create_db_engine(settings))

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading. Closing it ends its transaction without committing, so nothing written
        through it persists; loaded objects stay readable (detached) after the block."""
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short write transaction: committed when the block ends, rolled back on any exception."""
        if self._write_lock is None:
            with self._write() as session, session.begin():
                yield session
            return
        with self._write_lock, self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def insert_ignoring_conflicts(
    session: Session, target: Any, index_elements: list[str] | None = None
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's database: both databases have it, but SQLAlchemy
    has one construct per dialect. Pair it with ``RETURNING`` to learn whether a row was inserted (psycopg
    reports rowcount -1 for these statements)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite.insert(target).on_conflict_do_nothing(index_elements=index_elements)
