"""Settings: where the data lives: the database and its timeouts.

One part of ``dailypapers.config.Settings``, which mixes them all; each field is ``DAILYPAPERS_<NAME>``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "dailypapers"


class DatabaseSettings(BaseSettings):
    """Where the data lives: the database and its timeouts."""

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Directory for the SQLite database and other local state. Created when missing. "
        "Default: `$XDG_DATA_HOME/dailypapers` (`~/.local/share/dailypapers`); `make run` uses `./var`.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy database URL. Empty: a SQLite file `dailypapers.sqlite3` in the data directory. "
        "`postgresql://user@host/db` uses PostgreSQL (through psycopg 3).",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000,
        ge=0,
        description="How long a write to SQLite waits for the write lock, in milliseconds, in all: queueing behind "
        "the other writers of this process and then behind other processes share this one deadline. Past it the "
        "site answers 503 (busy, retry) and nothing is written.",
    )
    db_connect_timeout_seconds: int = Field(
        default=5,
        ge=1,
        description="PostgreSQL: how long opening a connection may take, in seconds (libpq counts at least 2).",
    )
    db_statement_timeout_seconds: float = Field(
        default=30.0,
        ge=0,
        description="PostgreSQL: the longest statement of the web site, in seconds; the server cancels it and the "
        "visitor gets a 503. The client also gives up on a connection whose server sends nothing for 2 s longer "
        "(a stopped server cannot cancel). 0: no limit. Commands, workers and migrations use "
        "DAILYPAPERS_DB_JOB_STATEMENT_TIMEOUT_SECONDS instead.",
    )
    db_job_statement_timeout_seconds: float = Field(
        default=0.0,
        ge=0,
        description="PostgreSQL: the longest statement of commands, workers, background jobs and migrations, in "
        "seconds (building a vector index may take minutes). 0: no limit.",
    )
    db_pool_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a request waits for a free connection of the pool before a 503, in seconds.",
    )
    db_keepalives_idle_seconds: int = Field(
        default=30,
        ge=1,
        description="PostgreSQL: idle seconds before TCP keepalive probes start (finds dead idle connections).",
    )
    db_keepalives_interval_seconds: int = Field(
        default=10, ge=1, description="PostgreSQL: seconds between two TCP keepalive probes."
    )
    db_keepalives_count: int = Field(
        default=3, ge=1, description="PostgreSQL: unanswered keepalive probes after which a connection is dead."
    )
    db_tcp_user_timeout_seconds: float = Field(
        default=30.0,
        ge=0,
        description="PostgreSQL: how long sent data may stay unacknowledged before the connection is dropped, in "
        "seconds (libpq `tcp_user_timeout`: ends a request whose server vanished from the network). 0: the "
        "system's default (about 15 minutes).",
    )

    @field_validator("database_url")
    @classmethod
    def _explicit_database(cls, value: str | None) -> str | None:
        """A PostgreSQL URL must name its host and database: libpq fills in what is missing from $PGHOST,
        $PGDATABASE and its defaults, so ``postgres://`` once migrated a database nobody meant to touch."""
        if not value:
            return value
        scheme = value.partition("://")[0] if "://" in value else ""
        if scheme.startswith("sqlite"):
            return value
        if scheme not in ("postgres", "postgresql") and not scheme.startswith("postgresql+"):
            raise ValueError(
                "DAILYPAPERS_DATABASE_URL must start with postgresql:// or sqlite:///, as in "
                "postgresql://user@db.example.org/dailypapers"
            )
        parts = urlsplit(value)
        query = parse_qs(parts.query)
        missing = [
            what
            for what, present in (
                ("a host", parts.netloc.rpartition("@")[2].strip() or query.get("host")),
                ("a database name", parts.path.strip("/") or query.get("dbname")),
            )
            if not present
        ]
        if missing:
            raise ValueError(
                f"DAILYPAPERS_DATABASE_URL names no {' and no '.join(w.removeprefix('a ') for w in missing)}: "
                "give both the host and the database, as in postgresql://user@db.example.org/dailypapers "
                "(a unix socket: postgresql://user@/dailypapers?host=/var/run/postgresql)"
            )
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """The URL handed to SQLAlchemy: plain ``postgresql://`` is mapped to the psycopg 3 driver."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'dailypapers.sqlite3'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")
