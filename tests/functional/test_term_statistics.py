"""Document frequencies of query terms on PostgreSQL come from ANALYZE's statistics for common terms and from a
count for the others: counting a common term over 1M papers took ~2 s, and paper pages of papers without vectors
(whose similar papers are a title search) ran into the statement timeout under load."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from dailypapers.db import Database
from dailypapers.ingest.files import import_paper_batch
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.papers.records import PaperRecord
from dailypapers.search.keyword import PostgresKeyword
from tests.factories import load_days

pytestmark = pytest.mark.postgresql_only

COUNT = "SELECT count(*) FROM papers WHERE search_vector @@ plainto_tsquery('english', :term)"


def _add_papers(db: Database, titles: list[str], first: int) -> None:
    records = [
        (f"t{n}", PaperRecord(arxiv_id=f"2001.{first + n:05d}", title=title, abstract="x", authors=("A",)))
        for n, title in enumerate(titles)
    ]
    import_paper_batch(db, records, ImportSummary())


def test_common_terms_are_read_from_the_statistics_and_rare_ones_counted(db: Database) -> None:
    load_days(db)
    _add_papers(db, ["A zyxwvut model"], first=90000)
    with db.write() as session:
        session.execute(text("ANALYZE papers"))
    with db.read() as session:
        counted = session.scalar(text(COUNT), {"term": "model"}) or 0
        estimated = PostgresKeyword().stats.document_frequency(session, "model")
    assert counted > 50 and abs(estimated - counted) <= max(2, counted // 10)

    # Papers added since ANALYZE: a common term keeps its analysed share (no count ran), a rare one is counted.
    _add_papers(db, [f"Another model {n}" for n in range(1, 41)] + ["zyxwvut again"], first=90001)
    with db.read() as session:
        stats = PostgresKeyword().stats
        assert session.scalar(text(COUNT), {"term": "model"}) == counted + 40
        assert stats.document_frequency(session, "model") <= estimated + 2
        assert stats.document_frequency(session, "zyxwvut") == 2
        assert stats.document_frequency(session, "the") == 0  # a stop word: plainto_tsquery drops it


def test_without_statistics_every_term_is_counted(db: Database) -> None:
    load_days(db)
    with db.write() as session:
        # A fresh table has no pg_stats row until ANALYZE (autovacuum may have run one: take it back out).
        session.execute(text("DELETE FROM pg_statistic WHERE starelid = 'papers'::regclass"))
    with db.read() as session:
        counted = session.scalar(text(COUNT), {"term": "model"})
        assert PostgresKeyword().stats.document_frequency(session, "model") == counted
