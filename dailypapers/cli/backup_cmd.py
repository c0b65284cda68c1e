"""``dailypapers db backup`` and ``dailypapers db restore`` (ops/backup.py does the work)."""

from __future__ import annotations

from pathlib import Path

import typer

from dailypapers.cli.common import fail, out, say
from dailypapers.config import Settings
from dailypapers.migrations import current_revision, head_revision
from dailypapers.ops.backup import BackupError
from dailypapers.ops.backup import backup as run_backup
from dailypapers.ops.backup import restore as run_restore


def backup(
    path: Path = typer.Argument(..., help="File to write (SQLite: a database file; PostgreSQL: a pg_dump archive)."),
    force: bool = typer.Option(False, "--force", help="Replace PATH if it exists."),
) -> None:
    """Back up the database, consistently, while the site keeps serving."""
    try:
        say(out, run_backup(Settings(), path, force=force))
    except BackupError as exc:
        raise fail(str(exc)) from None


def restore(
    path: Path = typer.Argument(..., help="A file written by `dailypapers db backup`."),
    force: bool = typer.Option(False, "--force", help="Restore even into a database that holds data (replaced)."),
) -> None:
    """Restore a backup into an empty database (a fresh one, or one just made by `db upgrade`)."""
    settings = Settings()
    try:
        say(out, run_restore(settings, path, force=force))
    except BackupError as exc:
        raise fail(str(exc)) from None
    revision, head = current_revision(settings), head_revision()
    if revision != head:
        say(out, f"the backup's schema is at {revision}, the code's at {head}: run `dailypapers db upgrade` next")
