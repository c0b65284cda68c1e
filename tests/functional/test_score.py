"""The stored trending score (ranking/score.py): one rule for when a paper entered the feed, one recompute."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from dailypapers.db import Database
from dailypapers.ingest.upserts import upsert_daily_entries, upsert_papers
from dailypapers.papers.models import Paper
from dailypapers.papers.records import DailyEntryRecord, PaperRecord
from dailypapers.ranking import score
from dailypapers.ranking.hotness import trending_score

V1 = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
LISTED = dt.datetime(2025, 3, 4, 9, tzinfo=dt.UTC)


def _record(arxiv_id: str, published_at: dt.datetime | None, upvotes: int = 7) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=f"T {arxiv_id}",
        abstract="a",
        authors=("A",),
        published_at=published_at,
        upvotes=upvotes,
    )


def _stored(db: Database, arxiv_id: str) -> tuple[float, dt.datetime]:
    with db.read() as session:
        row = session.execute(select(Paper.trending_score, Paper.created_at).where(Paper.arxiv_id == arxiv_id)).one()
    return row[0], row[1]


def test_entered_feed_at_prefers_the_listing_then_v1_then_storage() -> None:
    stored = dt.datetime(2025, 3, 9, tzinfo=dt.UTC)
    assert score.entered_feed_at(LISTED, V1, stored) == LISTED
    assert score.entered_feed_at(None, V1, stored) == V1
    assert score.entered_feed_at(None, None, stored) == stored


def test_a_paper_ranks_by_v1_until_listed_then_by_its_listing(db: Database) -> None:
    with db.write() as session:
        upsert_papers(session, [_record("2503.00001", V1), _record("2503.00002", None)])
    assert _stored(db, "2503.00001")[0] == pytest.approx(trending_score(7, V1))
    no_v1_score, created_at = _stored(db, "2503.00002")
    assert no_v1_score == pytest.approx(trending_score(7, created_at))

    with db.write() as session:
        upsert_daily_entries(session, [DailyEntryRecord("2503.00001", LISTED.date(), LISTED)])
    assert _stored(db, "2503.00001")[0] == pytest.approx(trending_score(7, LISTED))


def test_rescore_reads_the_stored_inputs_and_updates_loaded_papers(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(score, "IN_CHUNK", 2)  # several chunks with only a few papers
    ids = [f"2503.0001{n}" for n in range(5)]
    with db.write() as session:
        upsert_papers(session, [_record(arxiv_id, V1) for arxiv_id in ids])
    with db.write() as session:
        papers = list(session.scalars(select(Paper).where(Paper.arxiv_id.in_(ids))))
        # Inputs changed behind the ORM's back (as votes do with UPDATE … RETURNING).
        session.execute(update(Paper).where(Paper.arxiv_id.in_(ids)).values(upvotes=Paper.upvotes + 93))
        score.rescore(session, [p.id for p in papers] + [papers[0].id])  # a repeated id is harmless
        assert [p.trending_score for p in papers] == [pytest.approx(trending_score(100, V1))] * len(ids)
    for arxiv_id in ids:
        assert _stored(db, arxiv_id)[0] == pytest.approx(trending_score(100, V1))


def test_rescore_of_nothing_changes_nothing(db: Database) -> None:
    with db.write() as session:
        upsert_papers(session, [_record("2503.00021", V1)])
    before = _stored(db, "2503.00021")
    with db.write() as session:
        score.rescore(session, [])
        paper_id = session.scalar(select(Paper.id).where(Paper.arxiv_id == "2503.00021"))
        assert paper_id is not None
        score.rescore(session, [paper_id])  # inputs unchanged: the stored score stays
    assert _stored(db, "2503.00021") == before
