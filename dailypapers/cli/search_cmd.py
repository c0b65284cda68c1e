"""``dailypapers search`` and ``dailypapers index``: search from the shell, and build the vector index."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from dailypapers.cli.common import database, fail, out, progress
from dailypapers.config import Settings
from dailypapers.papers.filters import InvalidFilter, parse_filters
from dailypapers.search.embedder import get_embedder
from dailypapers.search.query import Filters, InvalidQuery, parse_query
from dailypapers.search.services import Mode, SearchEngine
from dailypapers.search.tasks import embed_pending, pending_count

index_app = typer.Typer(help="Search index commands.", no_args_is_help=True)


def search(
    query: str = typer.Argument(..., help="Words, a title, or an arXiv id."),
    mode: Mode = typer.Option(Mode.hybrid, help="keyword, semantic or hybrid."),
    limit: int = typer.Option(10, min=1, max=100, help="How many results."),
    category: list[str] = typer.Option([], "--category", help="Only these arXiv categories (repeatable)."),
    author: str | None = typer.Option(None, help="Only papers with an author matching this."),
    has_code: bool = typer.Option(False, "--has-code", help="Only papers with a code repository."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines instead of a table."),
) -> None:
    """Search the papers (semantic and hybrid use the vectors built so far; see `index embed`)."""
    settings = Settings()
    db = database(settings)
    try:
        paper_filters = parse_filters(
            {"category": category, "author": [author] if author else [], "has_code": ["true" if has_code else ""]}
        )
        parsed = parse_query(query, Filters(paper=paper_filters))
    except (InvalidQuery, InvalidFilter) as exc:
        raise fail(str(exc), code=2) from None
    try:
        engine = SearchEngine(db, settings)
        engine.refresh_now()  # a one-off engine: no refresher thread, so load the vectors before searching
        with db.read() as session:
            results, _total = engine.search(session, parsed, mode, limit=limit)
    finally:
        db.dispose()
    if as_json:
        for r in results:
            published = r.published_at.date().isoformat() if r.published_at else None
            row = {
                "id": r.arxiv_id,
                "title": r.title,
                "authors": r.author_names,
                "published": published,
                "score": round(r.score, 6),
                "pinned": r.pinned,
            }
            out.print(json.dumps(row, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)
        return
    table = Table("arXiv id", "title", "published", "score")
    for r in results:
        published = r.published_at.date().isoformat() if r.published_at else ""
        table.add_row(r.arxiv_id, r.title, published, f"{r.score:.4f}")
    out.print(table)
    if not results:
        out.print("no results")


@index_app.command("embed")
def embed(
    limit: int | None = typer.Option(None, help="Embed at most this many papers (default: all pending)."),
    batch_size: int = typer.Option(64, min=1, max=1024, help="Papers per model call and transaction."),
) -> None:
    """Embed every paper that has no vector for the configured model (resumable: rerun after a stop)."""
    settings = Settings()
    db = database(settings)
    try:
        embedder = get_embedder(settings)
        pending = pending_count(db, embedder.model_id)
        total = pending if limit is None else min(limit, pending)
        with progress() as bar:
            task = bar.add_task(f"embedding with {embedder.model_id}", total=total)
            done = embed_pending(db, embedder, limit=total, batch=batch_size, on_batch=lambda n: bar.advance(task, n))
        out.print(f"{done} papers embedded; {pending_count(db, embedder.model_id)} left")
    finally:
        db.dispose()


@index_app.command("status")
def status() -> None:
    """How many papers still wait for a vector."""
    settings = Settings()
    db = database(settings)
    try:
        model_id = get_embedder(settings).model_id
        out.print(f"{pending_count(db, model_id)} papers without a {model_id} vector")
    finally:
        db.dispose()
