"""DAILYPAPERS_FEED_COMMUNITY_UPVOTES (issue #13): a paper not on the feed enters it, as the community's, once it
has that many local upvotes; Hugging Face's count does not count, and 0 turns it off."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.ingest.upserts import upsert_papers
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.records import PaperRecord
from dailypapers.ranking.score import score_paper
from tests.factories import api_token, make_users

HARVESTED = "2511.00042"


def harvest(db: Database, upvotes: int | None = None) -> None:
    """A paper as the arXiv harvest stores it: no daily entry (``upvotes``: as if Hugging Face knew it)."""
    record = PaperRecord(
        arxiv_id=HARVESTED,
        title="A harvested paper",
        abstract="Nobody has put it on the feed.",
        authors=("Ada Lovelace",),
        categories=("cs.CL",),
        published_at=utcnow() - dt.timedelta(days=1),
        upvotes=upvotes,
    )
    with db.write() as session:
        upsert_papers(session, [record])


def entry(db: Database) -> tuple[str, dt.date, bool] | None:
    with db.read() as session:
        row = session.execute(
            select(DailyEntry.origin, DailyEntry.day, Paper).join(DailyEntry.paper).where(Paper.arxiv_id == HARVESTED)
        ).first()
        if row is None:
            return None
        origin, day, paper = row
        entered = session.scalar(select(DailyEntry.submitted_at).where(DailyEntry.paper_id == paper.id))
        return origin, day, paper.trending_score == score_paper(paper, entered)


def vote(http: TestClient, db: Database, users: list[object], method: str = "PUT") -> None:
    for user in users:
        token = api_token(db, user)  # type: ignore[arg-type]
        response = http.request(method, f"/api/papers/{HARVESTED}/vote", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("threshold", [3, 1])
def test_enough_local_upvotes_put_a_paper_on_the_feed(settings: Settings, db: Database, threshold: int) -> None:
    harvest(db)
    voters = make_users(db, "reader", threshold + 1)
    with TestClient(create_app(settings.model_copy(update={"feed_community_upvotes": threshold}), db)) as http:
        vote(http, db, voters[: threshold - 1])
        assert entry(db) is None
        vote(http, db, voters[threshold - 1 : threshold])
        assert entry(db) == ("community", utcnow().date(), True)
        # Withdrawing a vote later does not take it off again, nor does a further vote add a second entry.
        vote(http, db, voters[:1], "DELETE")
        vote(http, db, voters[threshold:])
        assert entry(db) == ("community", utcnow().date(), True)
        page = http.get(f"/papers/{HARVESTED}").text
        assert "voted onto the feed by the community" in page
        listing = http.get(f"/papers/date/{utcnow().date().isoformat()}").text
        assert HARVESTED in listing


def test_hugging_face_votes_do_not_count_and_zero_turns_it_off(settings: Settings, db: Database) -> None:
    harvest(db, upvotes=50)
    voters = make_users(db, "reader", 3)
    with TestClient(create_app(settings.model_copy(update={"feed_community_upvotes": 3}), db)) as http:
        vote(http, db, voters[:2])  # 52 in all, but only 2 local
        assert entry(db) is None
    with TestClient(create_app(settings.model_copy(update={"feed_community_upvotes": 0}), db)) as http:
        vote(http, db, voters[2:])
        assert entry(db) is None
    assert Settings().feed_community_upvotes == 3
