"""What every command shares: the consoles, the migrated-database check, the progress bar, the closing summary."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.migrations import is_up_to_date

# soft_wrap: each message stays on one line whatever the terminal width (operators grep these).
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def database(settings: Settings | None = None) -> Database:
    """The database of ``settings``, refusing to work on an unmigrated schema."""
    settings = settings or Settings()
    if not is_up_to_date(settings):
        raise fail("the database schema is not up to date; run `dailypapers db upgrade` first")
    return Database.from_settings(settings)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    )


def say(console: Console, message: str) -> None:
    """Print text as it is (no rich markup or highlighting: paths and ids may contain brackets)."""
    console.print(message, markup=False, highlight=False, soft_wrap=True)


def fail(message: str, hint: str | None = None, code: int = 1) -> typer.Exit:
    """Print an error (and what to do about it); return the Exit to raise."""
    say(err, f"error: {message}")
    if hint:
        say(err, hint)
    return typer.Exit(code)


def finish(summary: ImportSummary, unit: str, fail_on_errors: bool | None = None) -> None:
    """Print the closing summary; exit 1 when anything failed."""
    out.print(f"{summary} ({unit})")
    if summary.errors if fail_on_errors is None else fail_on_errors:
        raise typer.Exit(1)
