"""Database plumbing: declarative base, engine and session factories, SQLite pragmas.

SQLite is treated as a production database (DESIGN §5 rule 7): WAL so readers never block the writer,
a busy timeout instead of instant "database is locked" errors, foreign keys on, and write transactions that
start with ``BEGIN IMMEDIATE`` so two writers queue on the lock up front instead of failing half-way when a
deferred read transaction tries to upgrade.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, exc, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from dailypapers.config import Settings

log = logging.getLogger(__name__)

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

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:  # noqa: ARG002
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


# A PostgreSQL server that is alive cancels a statement at its statement_timeout; one that is stopped, or
# behind a stalled network that still acknowledges packets, cancels nothing. The client then gives up this long
# after the server should have answered, closing the connection (its protocol state is unknown).
CLIENT_GRACE_SECONDS = 2.0


class DatabaseBusy(Exception):
    """A write waited its whole deadline (DAILYPAPERS_SQLITE_BUSY_TIMEOUT_MS) for SQLite's write lock."""


class AnsweringConnection(psycopg.Connection[Any]):
    """A psycopg connection that stops waiting for a server that sends nothing for ``answer_timeout_seconds``
    (None: wait as long as it takes). libpq itself has no such limit: connect_timeout covers only the
    connecting, keepalives and tcp_user_timeout only a peer whose network stops acknowledging."""

    answer_timeout_seconds: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None or self.answer_timeout_seconds is None:
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, self.answer_timeout_seconds)
        except psycopg.errors._WaitTimeout:  # documented by Connection.wait, raised only for its timeout
            self.close()
            raise psycopg.OperationalError(
                f"the database sent nothing for {self.answer_timeout_seconds:g} s; connection closed"
            ) from None


def _postgres_connect_args(settings: Settings, url: str, statement_timeout_seconds: float) -> dict[str, Any]:
    """libpq parameters bounding every wait: connecting, a slow statement, a dead peer. A parameter written
    in the URL itself wins over the setting."""
    args: dict[str, Any] = {
        "connect_timeout": settings.db_connect_timeout_seconds,
        "keepalives": 1,
        "keepalives_idle": settings.db_keepalives_idle_seconds,
        "keepalives_interval": settings.db_keepalives_interval_seconds,
        "keepalives_count": settings.db_keepalives_count,
    }
    if settings.db_tcp_user_timeout_seconds:
        args["tcp_user_timeout"] = round(settings.db_tcp_user_timeout_seconds * 1000)
    query = make_url(url).query
    args = {name: value for name, value in args.items() if name not in query}
    if statement_timeout_seconds:
        given = query.get("options") or ""
        given = given if isinstance(given, str) else " ".join(given)
        args["options"] = f"{given} -c statement_timeout={round(statement_timeout_seconds * 1000)}".strip()
    # No server-side prepared statements: after five executions psycopg would switch to them, and their
    # generic plans cannot see a tsquery's selectivity, so full-text queries fell back to sequential scans
    # (35 ms instead of 1 ms at 10k papers).
    args["prepare_threshold"] = None
    return args


def create_db_engine(settings: Settings, *, web: bool = False, **kwargs: Any) -> Engine:
    """Create the engine for ``settings``; SQLite gets its pragmas and explicit transaction control.

    ``web``: the engine of a web process, whose PostgreSQL statements are limited by
    DAILYPAPERS_DB_STATEMENT_TIMEOUT_SECONDS; commands, workers and migrations (the default) by
    DAILYPAPERS_DB_JOB_STATEMENT_TIMEOUT_SECONDS, as an index build may rightly take minutes."""
    url = settings.sqlalchemy_url
    kwargs.setdefault("pool_timeout", settings.db_pool_timeout_seconds)
    if not settings.is_sqlite:
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_MAX_OVERFLOW)
        statement_timeout = settings.db_statement_timeout_seconds if web else settings.db_job_statement_timeout_seconds
        engine = create_engine(
            url, pool_pre_ping=True, connect_args=_postgres_connect_args(settings, url, statement_timeout), **kwargs
        )
        answer_timeout = statement_timeout + CLIENT_GRACE_SECONDS if statement_timeout else None

        @event.listens_for(engine, "do_connect")
        def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> AnsweringConnection:
            connection = AnsweringConnection.connect(*cargs, **cparams)
            connection.answer_timeout_seconds = answer_timeout
            return connection

        return engine

    if url.startswith("sqlite:///") and ":memory:" not in url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_MAX_OVERFLOW)
    else:
        kwargs.pop("pool_timeout")  # SingletonThreadPool/StaticPool take none
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
        deadline = _write_deadline.get() if mode == "IMMEDIATE" else None
        if deadline is None:
            conn.exec_driver_sql(f"BEGIN {mode}")
            return
        # Database.write already spent part of the deadline queueing in this process: other processes get
        # only what is left, so the writer's total wait is the setting, not the setting twice.
        remaining_ms = max(0, round((deadline - time.monotonic()) * 1000))
        conn.exec_driver_sql(f"PRAGMA busy_timeout={remaining_ms}")
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")

    return engine


# When the write of this thread must have its lock (time.monotonic()), for the "begin" event above.
_write_deadline: ContextVar[float | None] = ContextVar("dailypapers_write_deadline", default=None)


class Database:
    """Engine plus the two ways to open a session: read (deferred) and write (BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, engine: Engine, busy_timeout_ms: int = 5000) -> None:
        self.engine = engine
        self.busy_timeout_seconds = busy_timeout_ms / 1000
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
    def from_settings(cls, settings: Settings, *, web: bool = False) -> Database:
        """``web``: for a web process (see ``create_db_engine``)."""
        return cls(create_db_engine(settings, web=web), busy_timeout_ms=settings.sqlite_busy_timeout_ms)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading. Closing it ends its transaction without committing, so nothing written
        through it persists; loaded objects stay readable (detached) after the block."""
        session = self._read()
        try:
            yield session
        finally:
            try:
                session.close()
            except (exc.OperationalError, exc.TimeoutError) as error:
                # Ending a read only rolls back; on a broken connection that fails and the pool drops the
                # connection anyway. A web request may already be answered by now (FastAPI closes it after the
                # response), so raising would only add a traceback to a request that went fine.
                if database_fault(error) is None:
                    raise
                log.warning("database %s while ending a read: %s", database_fault(error), error_summary(error))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short write transaction: committed when the block ends, rolled back on any exception."""
        if self._write_lock is None:
            with self._write() as session, session.begin():
                yield session
            return
        # One deadline for the whole wait: the queue here, then SQLite's busy handler for what is left (a
        # lock held by another process made queued writers fail one after another at 5, 10, 15 and 20 s).
        deadline = time.monotonic() + self.busy_timeout_seconds
        if not self._write_lock.acquire(timeout=self.busy_timeout_seconds):
            raise DatabaseBusy(f"no write lock within {self.busy_timeout_seconds:g} s (queued in this process)")
        token = _write_deadline.set(deadline)
        try:
            with self._write() as session, session.begin():
                yield session
        finally:
            _write_deadline.reset(token)
            self._write_lock.release()

    def ping(self) -> None:
        """One round trip to the database (readiness checks)."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


# SQLSTATE classes of a server that cannot serve now, rather than of a wrong query: 08 connection exception,
# 53 insufficient resources (too many connections, disk full), 57 operator intervention (57014: a statement
# cancelled by statement_timeout; 57P01-57P03: the server shutting down or starting up).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")


def database_fault(error: BaseException) -> str | None:
    """``"busy"`` (SQLite's write lock), ``"down"`` (PostgreSQL not answering in time, or not at all, or the
    pool empty for DAILYPAPERS_DB_POOL_TIMEOUT_SECONDS), or None for an error that waiting will not cure."""
    if isinstance(error, DatabaseBusy):
        return "busy"
    if isinstance(error, exc.TimeoutError):
        return "down"
    original = error.orig if isinstance(error, exc.DBAPIError) else error
    if isinstance(original, sqlite3.OperationalError):
        message = str(original)
        return "busy" if "database is locked" in message or "database is busy" in message else None
    if isinstance(original, psycopg.OperationalError):
        sqlstate = original.sqlstate
        return "down" if sqlstate is None or sqlstate.startswith(_UNAVAILABLE_SQLSTATE_CLASSES) else None
    return None


def error_summary(error: BaseException) -> str:
    """The driver's message in one line, without SQLAlchemy's SQL text and background link."""
    original = error.orig if isinstance(error, exc.DBAPIError) else error
    text = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text[0] if text else ''}"


def insert_ignoring_conflicts(
    session: Session, target: Any, index_elements: list[str] | None = None
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's database: both databases have it, but SQLAlchemy
    has one construct per dialect. Pair it with ``RETURNING`` to learn whether a row was inserted (psycopg
    reports rowcount -1 for these statements)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite.insert(target).on_conflict_do_nothing(index_elements=index_elements)
