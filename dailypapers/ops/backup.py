"""``dailypapers db backup PATH`` and ``dailypapers db restore PATH``.

SQLite: the online backup API, in one step, so the copy is one consistent snapshot even while the site serves
and writes (WAL lets writers go on meanwhile). PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot
too; the client tools must be installed and of the server's major version or newer) and ``pg_restore``.

Restoring goes into an empty database (no tables, or the empty tables of a fresh ``db upgrade``); one holding
any row is refused unless ``force``, because a restore replaces everything in it.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, make_url, select, table

from dailypapers.config import Settings
from dailypapers.db import Base, create_db_engine

SQLITE_HEADER = b"SQLite format 3\x00"
PGDUMP_HEADER = b"PGDMP"


class BackupError(Exception):
    """What went wrong, in words an operator can act on."""


def _sqlite_file(settings: Settings) -> Path:
    database = make_url(settings.sqlalchemy_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq_url(settings: Settings) -> str:
    """The URL for pg_dump and pg_restore: libpq's own spelling, without SQLAlchemy's driver name."""
    return settings.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools of the server's major version "
            "(Debian: apt-get install postgresql-client)"
        )
    return found


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{Path(command[0]).name} failed: {' / '.join(lines[-5:]) or f'exit {result.returncode}'}")


def rows_in_database(settings: Settings) -> int:
    """Rows in the site's tables of the target database (0: empty or fresh, safe to restore into)."""
    engine = create_db_engine(settings)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            return sum(
                connection.scalar(select(func.count()).select_from(table(name))) or 0
                for name in sorted(present & set(Base.metadata.tables))
            )
    finally:
        engine.dispose()


def backup(settings: Settings, path: Path, *, force: bool = False) -> str:
    """Write a backup of the configured database to ``path``; returns a one-line report."""
    if path.exists() and not force:
        raise BackupError(f"{path} exists; choose another path or pass --force to replace it")
    partial = path.with_name(path.name + ".partial")
    # Written aside, then renamed: a backup interrupted half-way never looks like a complete one.
    partial.unlink(missing_ok=True)
    if settings.is_sqlite:
        source_path = _sqlite_file(settings)
        if not source_path.exists():
            raise BackupError(f"no database at {source_path}; nothing to back up")
        source = sqlite3.connect(source_path)
        target = sqlite3.connect(partial)
        try:
            source.backup(target)  # pages=-1: one step, one snapshot
        finally:
            target.close()
            source.close()
        kind = "SQLite online backup"
    else:
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
                _libpq_url(settings),
            ]
        )
        kind = "pg_dump custom format"
    partial.replace(path)
    return f"backed up to {path} ({kind}, {path.stat().st_size} bytes)"


def restore(settings: Settings, path: Path, *, force: bool = False) -> str:
    """Replace the configured (empty) database's contents with the backup at ``path``."""
    try:
        with path.open("rb") as file:
            header = file.read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from None
    wanted = SQLITE_HEADER if settings.is_sqlite else PGDUMP_HEADER
    if not header.startswith(wanted):
        other = "a SQLite file" if header.startswith(SQLITE_HEADER) else "a pg_dump archive"
        found = other if header.startswith((SQLITE_HEADER, PGDUMP_HEADER)) else "not a backup"
        raise BackupError(
            f"{path} is {found}; the configured database is {'SQLite' if settings.is_sqlite else 'PostgreSQL'}"
        )
    missing = settings.is_sqlite and not _sqlite_file(settings).exists()
    existing = 0 if missing else rows_in_database(settings)
    if existing and not force:
        raise BackupError(
            f"the database is not empty ({existing} rows); restore into a fresh database, or pass --force "
            "to replace everything in it"
        )
    if settings.is_sqlite:
        _restore_sqlite(settings, path)
    else:
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                # Drops what the backup recreates (the empty tables of a fresh `db upgrade`, or forced data).
                "--clean",
                "--if-exists",
                f"--dbname={_libpq_url(settings)}",
                str(path),
            ]
        )
    return f"restored {path} ({rows_in_database(settings)} rows)"


def _restore_sqlite(settings: Settings, path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (verdict,) = source.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"{path} is damaged (SQLite quick_check: {verdict})")
        target_path = _sqlite_file(settings)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path)
        try:
            source.backup(target)  # replaces every page of the target, in one transaction
        finally:
            target.close()
    finally:
        source.close()
