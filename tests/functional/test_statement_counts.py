"""No N+1: every route that renders papers runs as many SQL statements for 50 papers x 10 authors with votes,
saves and comments as for 5 papers x 1 author (issue #14).

The counter listens to ``before_cursor_execute`` on the app's own engine, so it sees every statement a request
sends (the session lookup, the listing, each lazy load), whatever layer issued it. Each route is asked once to
warm process caches (the vector index, the search engine), then counted; the counts of the small and the large
corpus must be equal. A route whose count grows names itself and both numbers in the failure.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from dailypapers.accounts.models import User
from dailypapers.app import create_app
from dailypapers.community import collections, comments
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import Author, Paper
from dailypapers.papers.periods import day_period, week_period
from dailypapers.papers.records import DailyEntryRecord, PaperRecord, SubmitterRecord
from dailypapers.search.embedder import MINILM_DIM, MINILM_MODEL_ID
from dailypapers.search.models import PaperVector
from dailypapers.search.vectors.format import to_blob
from dailypapers.sources.huggingface import DailyItem
from dailypapers.votes.services import set_vote
from tests.factories import api_token, import_items, log_in, make_user, make_users

SMALL_DAY = dt.date(2025, 9, 10)  # another week and month than the large day, so each period holds one corpus
LARGE_DAY = dt.date(2025, 10, 29)
WORD = "stmtcount"  # in every title: the search routes find every paper
VIEWER_VOTES = 3  # personal.interest.MIN_POSITIVES: a "for you" model from the small corpus on


# The app's background threads (the vector refresher every 5 s, the scheduler) query on their own clock: a
# statement of theirs during a request is not the request's.
BACKGROUND_THREADS = ("dailypapers-vectors", "dailypapers-ann", "dailypapers-scheduler")


class StatementCounter:
    """Counts the statements sent on ``engine`` while ``counting()`` is open, background threads' aside."""

    def __init__(self, engine: Any) -> None:
        self.seen: list[str] = []
        self._on = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self._on and threading.current_thread().name not in BACKGROUND_THREADS:
            self.seen.append(" ".join(statement.split())[:160])

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.seen, self._on = [], True
        try:
            yield self.seen
        finally:
            self._on = False


def statements(counter: StatementCounter, call: Callable[[], Any]) -> list[str]:
    """The statements one request ran (it must answer 200: an error page would run fewer)."""
    with counter.counting() as seen:
        response = call()
    assert response.status_code == 200, (response.request.url, response.status_code, response.text[:300])
    return seen


@dataclass
class Corpus:
    """The ids the routes need for one corpus (the latest day's papers are this corpus's)."""

    day: dt.date
    arxiv_id: str
    author_id: int
    collection_id: int


def _items(day: dt.date, papers: int, authors: int, prefix: str) -> list[DailyItem]:
    """``papers`` papers on ``day``, each by the same ``authors`` authors and put on the feed by its own submitter."""
    base = 2510 if day == LARGE_DAY else 2509
    items = []
    for i in range(papers):
        arxiv_id = f"{base}.{10000 + i:05d}"
        at = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(minutes=i)
        record = PaperRecord(
            arxiv_id=arxiv_id,
            title=f"{prefix} paper {i} about {WORD} and transformers",
            abstract=f"We study {WORD} number {i}; transformers attend to everything.",
            authors=tuple(f"{prefix} Author {j}" for j in range(authors)),
            categories=("cs.CL", "cs.LG"),
            published_at=at,
            upvotes=i,
        )
        entry = DailyEntryRecord(arxiv_id, day, at, SubmitterRecord(f"{prefix.lower()}sub{i}", f"{prefix} Sub {i}"))
        items.append(DailyItem(record, entry))
    return items


def _vectors(db: Database, paper_ids: list[int]) -> None:
    rng = np.random.default_rng(len(paper_ids))
    with db.write() as session:
        for paper_id in paper_ids:
            v = rng.standard_normal(MINILM_DIM).astype(np.float32)
            session.add(
                PaperVector(
                    paper_id=paper_id, model=MINILM_MODEL_ID, dim=MINILM_DIM, vector=to_blob(v / np.linalg.norm(v))
                )
            )


def add_corpus(
    db: Database, settings: Settings, viewer: User, day: dt.date, papers: int, authors: int, voters: int
) -> Corpus:
    """Import the papers, give each ``voters`` votes (the viewer's among them), a save and comments by others;
    mark them announced that day (the "new on arXiv" listing) and give them vectors (similar papers)."""
    prefix = "Large" if papers > 5 else "Small"
    import_items(db, _items(day, papers, authors, prefix))
    others = make_users(db, f"{prefix.lower()}voter", voters)
    with db.write() as session:
        rows = list(session.scalars(select(Paper).where(Paper.title.startswith(prefix)).order_by(Paper.arxiv_id)))
        session.execute(update(Paper).where(Paper.id.in_([p.id for p in rows])).values(announced_on=day))
        me = session.get(User, viewer.id)
        assert me is not None
        saved_in = collections.default_collection(session, me)
        for n, paper in enumerate(rows):
            # The viewer upvotes and saves a few (enough for a "for you" model), so the rest are candidates.
            if n < VIEWER_VOTES:
                set_vote(session, me, paper, True)
                collections.save(session, me, paper, saved_in.id)
            for member in others:
                set_vote(session, session.get(User, member.id) or me, paper, True)
            for member in others:
                comments.add_comment(
                    session, settings, session.get(User, member.id) or me, paper, f"On {paper.arxiv_id}"
                )
        author_id = session.scalar(select(Author.id).where(Author.name == f"{prefix} Author 0"))
        assert author_id is not None
        corpus = Corpus(day, rows[-1].arxiv_id, author_id, saved_in.id)
        ids = [p.id for p in rows]
    _vectors(db, ids)
    return corpus


def page_routes(c: Corpus) -> dict[str, str]:
    week, day = week_period(c.day), day_period(c.day)
    month = f"{c.day:%Y-%m}"
    return {
        "home": "/",
        "day": day.path,
        "week": week.path,
        "month": f"/papers/month/{month}",
        "trending": "/papers/trending",
        "new on arXiv": "/papers/new",
        "new on arXiv, day": f"/papers/new/{c.day}",
        "paper page": f"/papers/{c.arxiv_id}",
        "paper markdown": f"/papers/{c.arxiv_id}.md",
        "search": f"/search?q={WORD}&mode=keyword",
        "author page": f"/authors/{c.author_id}",
        "feed: latest": "/feed.atom",
        "feed: day": f"{day.path}/feed.atom",
        "feed: week": f"{week.path}/feed.atom",
        "feed: month": f"/papers/month/{month}/feed.atom",
        "feed: trending": "/papers/trending/feed.atom",
        "api daily": "/api/daily_papers?limit=100",
        "api daily date": f"/api/daily_papers?date={c.day}&limit=100",
        "api daily week": f"/api/daily_papers?week={week.slug}&limit=100",
        "api daily month": f"/api/daily_papers?month={month}&limit=100",
        "api daily trending": "/api/daily_papers?sort=trending&limit=100",
        "api papers": "/api/papers?limit=100",
        "api paper": f"/api/papers/{c.arxiv_id}",
        "api paper comments": f"/api/papers/{c.arxiv_id}?field=comments",
        "api comments": f"/api/papers/{c.arxiv_id}/comments",
        "api similar": f"/api/papers/{c.arxiv_id}/similar?limit=50",
        "api search": f"/api/papers/search?q={WORD}&mode=keyword&limit=100",
        "api new": f"/api/papers/new?date={c.day}",
    }


def member_routes(c: Corpus) -> dict[str, str]:
    """Routes only a member sees (the viewer's own collections and feed)."""
    return {
        "for you": "/for-you",
        "for you, week": "/for-you?period=week",
        "collections": "/collections",
        "collection": f"/collections/{c.collection_id}",
        "api collections": "/api/collections",
        "api collection": f"/api/collections/{c.collection_id}",
        "api for you": "/api/for-you",
    }


def measure(app: FastAPI, counter: StatementCounter, corpus: Corpus, token: str) -> dict[str, list[str]]:
    counts: dict[str, list[str]] = {}
    with TestClient(app) as anonymous, TestClient(app) as member, TestClient(app) as bearer:
        log_in(member, "viewer")
        bearer.headers["Authorization"] = f"Bearer {token}"
        for name, path in page_routes(corpus).items():
            for who, client in (("anonymous", anonymous), ("logged in", member)):
                client.get(path)  # warm: the vector index and search engine load once per process
                counts[f"{name} ({who})"] = statements(counter, lambda c=client, p=path: c.get(p))  # type: ignore[misc]
        for name, path in member_routes(corpus).items():
            client = bearer if path.startswith("/api/") else member
            client.get(path)
            counts[f"{name} (logged in)"] = statements(counter, lambda c=client, p=path: c.get(p))  # type: ignore[misc]
    return counts


def shows_the_large_corpus(app: FastAPI, corpus: Corpus) -> None:
    """The counted pages really hold the 50 papers with 10 authors (else equal counts would prove nothing)."""
    with TestClient(app) as client:
        assert client.get("/").text.count("Large paper ") >= 50
        daily = client.get(f"/api/daily_papers?date={corpus.day}&limit=100").json()
        assert len(daily) == 50
        assert all(len(item["paper"]["authors"]) == 10 for item in daily)
        assert client.get("/feed.atom").text.count("<entry>") == 50
        log_in(client, "viewer")
        assert "Large paper " in client.get("/for-you").text  # the model's picks, not an empty page


def test_statement_counts_do_not_grow_with_papers_authors_or_votes(settings: Settings, db: Database) -> None:
    # Pages large enough for the large day whole: a count query on a full page is not an N+1.
    settings = settings.model_copy(update={"page_size": 100})
    viewer = make_user(db, "viewer")
    token = api_token(db, viewer)
    small = add_corpus(db, settings, viewer, SMALL_DAY, papers=5, authors=1, voters=1)
    app = create_app(settings, db)
    counter = StatementCounter(db.engine)
    before = measure(app, counter, small, token)

    large = add_corpus(db, settings, viewer, LARGE_DAY, papers=50, authors=10, voters=3)
    # A fresh app: nothing cached from the small corpus (the vector index reloads with the new vectors).
    app = create_app(settings, db)
    after = measure(app, counter, large, token)

    shows_the_large_corpus(app, large)
    grown = {name: (before[name], after[name]) for name in before if len(after[name]) != len(before[name])}
    report = [f"{name}: {len(a)} -> {len(b)}, extra: {sorted(set(b) - set(a))[:3]}" for name, (a, b) in grown.items()]
    assert not grown, "statements per request grew with the corpus (5x1 -> 50x10 with votes):\n" + "\n".join(report)
