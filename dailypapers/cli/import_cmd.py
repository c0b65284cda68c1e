"""``dailypapers import``: load papers from files (Hugging Face day files, arXiv snapshot JSON lines)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import typer

from dailypapers.cli.common import database, err, fail, finish, out, progress, say
from dailypapers.db import Database
from dailypapers.ingest.files import count_papers, import_daily_items, import_paper_batch
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.ingest.prefetch import batched, prefetched
from dailypapers.papers.records import PaperRecord
from dailypapers.sources import arxiv_kaggle, huggingface

app = typer.Typer(help="Import papers from files.", no_args_is_help=True)

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo" / "hf_days"
# Lines per transaction for the arXiv snapshot: large enough to amortise the commit, small enough that a
# crash repeats little work (imports are idempotent, so rerunning the file finishes the job).
JSONL_BATCH = 1000


def import_day_files(db: Database, paths: list[Path]) -> ImportSummary:
    summary = ImportSummary()
    files = huggingface.expand_paths(paths)
    with progress() as bar:
        task = bar.add_task("importing day files", total=len(files))
        for path in files:
            try:
                items = huggingface.read_day_file(path)
                summary.count(import_daily_items(db, items))
            except huggingface.MalformedDayFile as exc:
                summary.fail(f"{path}: {exc}", records=0)
                say(bar.console, f"skipped {path}: {exc}")
            bar.advance(task)
    return summary


@app.command("hf")
def hf(
    paths: list[Path] = typer.Argument(..., help="Day files (.json or .json.gz) or directories of them."),
) -> None:
    """Import Hugging Face /api/daily_papers day files; re-importing changes nothing, changed values update."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or directory: {', '.join(map(str, missing))}", code=2)
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
        with progress() as bar:
            task = bar.add_task("importing records", total=None)
            # Lines are read and parsed a chunk ahead, in a thread, while the previous batch is stored.
            chunks = prefetched(batched(arxiv_kaggle.iter_records(path), JSONL_BATCH), name="jsonl-prefetch")
            with closing(chunks):
                for line, result in (item for chunk in chunks for item in chunk):
                    if isinstance(result, arxiv_kaggle.MalformedRecord):
                        summary.fail(f"{path}:{line}: {result}")
                        bar.console.print(
                            f"skipped {path}:{line}: {result}", markup=False, highlight=False, soft_wrap=True
                        )
                        continue
                    batch.append((f"{path}:{line}", result))
                    if len(batch) >= JSONL_BATCH:
                        import_paper_batch(db, batch, summary)
                        bar.advance(task, len(batch))
                        batch = []
            if batch:
                import_paper_batch(db, batch, summary)
                bar.advance(task, len(batch))
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
