"""``dailypapers import``: load papers from files (Hugging Face day files, arXiv snapshot JSON lines)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.migrations import is_up_to_date
from dailypapers.papers.importing import count_papers, import_daily_items, import_paper_batch
from dailypapers.papers.records import PaperRecord
from dailypapers.papers.services import ImportSummary
from dailypapers.sources import arxiv_kaggle, huggingface

app = typer.Typer(help="Import papers from files.", no_args_is_help=True)
# soft_wrap: each message stays on one line whatever the terminal width (operators grep these).
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo" / "hf_days"
# Lines per transaction for the arXiv snapshot: large enough to amortise the commit, small enough that a
# crash repeats little work (imports are idempotent, so rerunning the file finishes the job).
JSONL_BATCH = 1000


def database(settings: Settings | None = None) -> Database:
    """The database of ``settings``, refusing to work on an unmigrated schema."""
    settings = settings or Settings()
    if not is_up_to_date(settings):
        err.print("[red]error:[/] the database schema is not up to date; run `dailypapers db upgrade` first")
        raise typer.Exit(1)
    return Database.from_settings(settings)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def import_day_files(db: Database, paths: list[Path]) -> ImportSummary:
    summary = ImportSummary()
    files = huggingface.expand_paths(paths)
    with _progress() as progress:
        task = progress.add_task("importing day files", total=len(files))
        for path in files:
            try:
                items = huggingface.read_day_file(path)
                summary.count(import_daily_items(db, items))
            except huggingface.MalformedDayFile as exc:
                summary.fail(f"{path}: {exc}", records=0)
                progress.console.print(f"skipped {path}: {exc}", markup=False, highlight=False, soft_wrap=True)
            progress.advance(task)
    return summary


def finish(summary: ImportSummary, unit: str, fail_on_errors: bool | None = None) -> None:
    """Print the closing summary; exit 1 when anything failed."""
    out.print(f"{summary} ({unit})")
    if summary.errors if fail_on_errors is None else fail_on_errors:
        raise typer.Exit(1)


@app.command("hf")
def hf(
    paths: list[Path] = typer.Argument(..., help="Day files (.json or .json.gz) or directories of them."),
) -> None:
    """Import Hugging Face /api/daily_papers day files; re-importing changes nothing, changed values update."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        err.print(f"[red]error:[/] no such file or directory: {', '.join(map(str, missing))}")
        raise typer.Exit(2)
    db = database()
    try:
        summary = import_day_files(db, paths)
    finally:
        db.dispose()
    if summary.errors:
        err.print(f"{len(summary.errors)} file(s) could not be imported (listed above); the others were.")
    finish(summary, "papers")


@app.command("jsonl")
def jsonl(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Kaggle arXiv snapshot .jsonl[.gz]"),
) -> None:
    """Import arXiv metadata in the Kaggle arxiv-metadata-oai-snapshot JSON-lines format."""
    db = database()
    summary = ImportSummary()
    batch: list[tuple[str, PaperRecord]] = []
    try:
        with _progress() as progress:
            task = progress.add_task("importing records", total=None)
            for line, result in arxiv_kaggle.iter_records(path):
                if isinstance(result, arxiv_kaggle.MalformedRecord):
                    summary.fail(f"{path}:{line}: {result}")
                    progress.console.print(
                        f"skipped {path}:{line}: {result}", markup=False, highlight=False, soft_wrap=True
                    )
                    continue
                batch.append((f"{path}:{line}", result))
                if len(batch) >= JSONL_BATCH:
                    import_paper_batch(db, batch, summary)
                    progress.advance(task, len(batch))
                    batch = []
            if batch:
                import_paper_batch(db, batch, summary)
                progress.advance(task, len(batch))
    finally:
        db.dispose()
    finish(summary, "papers")


@app.command("demo")
def demo(force: bool = typer.Option(False, help="Import even when the database already has papers.")) -> None:
    """Load the bundled demo data (the latest ~90 days of Hugging Face Daily Papers) into an empty database."""
    db = database()
    try:
        existing = count_papers(db)
        if existing and not force:
            out.print(f"the database already has {existing:,} papers; demo data not loaded (use --force)")
            return
        summary = import_day_files(db, [DEMO_DIR])
    finally:
        db.dispose()
    finish(summary, "demo papers")
