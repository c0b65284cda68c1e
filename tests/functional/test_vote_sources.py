"""Votes kept apart by source (issue #13): a paper's count is what Hugging Face reports plus the local vote rows,
and a sync or an import replaces only the Hugging Face part, whatever the order of votes and syncs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.daily import sync_hf_days
from dailypapers.ingest.files import import_daily_items
from dailypapers.migrations import alembic_config
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.ranking.score import score_paper
from dailypapers.sources.http import SourceClient
from dailypapers.sources.huggingface import DailyItem, HuggingFaceDaily, read_day_file
from dailypapers.votes.models import Vote
from dailypapers.votes.services import set_vote
from tests.conftest import HF_DAYS
from tests.factories import load_days, make_users
from tests.replay import JSON, ReplayServer, Reply

DAY = dt.date(2024, 6, 3)
PAPER = "2405.21060"


def _items() -> list[DailyItem]:
    return read_day_file(HF_DAYS / f"{DAY}.json")


def _with_count(count: int) -> list[DailyItem]:
    """The day as Hugging Face would list it later, with ``count`` upvotes on PAPER."""
    return [
        dataclasses.replace(item, paper=dataclasses.replace(item.paper, upvotes=count))
        if item.paper.arxiv_id == PAPER
        else item
        for item in _items()
    ]


def _hf_count() -> int:
    count = next(item.paper.upvotes for item in _items() if item.paper.arxiv_id == PAPER)
    assert count is not None and count > 5
    return count


def state(db: Database) -> tuple[int, int, int]:
    """(total, source part, vote rows) of PAPER; also checks the stored trending score follows the total."""
    with db.read() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == PAPER)).one()
        rows = session.scalar(select(func.count()).select_from(Vote).where(Vote.paper_id == paper.id)) or 0
        entered = session.scalar(select(DailyEntry.submitted_at).where(DailyEntry.paper_id == paper.id))
        assert entered is not None
        assert paper.trending_score == score_paper(paper, entered)
        return paper.upvotes, paper.source_upvotes, rows


def vote(db: Database, user_id: int, upvoted: bool = True) -> None:
    with db.write() as session:
        user = session.get(User, user_id)
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == PAPER)).one()
        assert user is not None
        set_vote(session, user, paper, upvoted)


def test_votes_survive_imports_with_higher_and_lower_counts(db: Database, client: TestClient) -> None:
    hf = _hf_count()
    load_days(db, HF_DAYS / f"{DAY}.json")
    assert state(db) == (hf, hf, 0)
    voters = make_users(db, "voter", 3)
    for user in voters:
        vote(db, user.id)
    assert state(db) == (hf + 3, hf, 3)

    import_daily_items(db, _with_count(hf + 5))  # Hugging Face's count grew
    assert state(db) == (hf + 5 + 3, hf + 5, 3)
    import_daily_items(db, _with_count(hf - 4))  # and shrank (HF removes votes too)
    assert state(db) == (hf - 4 + 3, hf - 4, 3)
    import_daily_items(db, _with_count(hf - 4))  # the same count again changes nothing
    assert state(db) == (hf - 4 + 3, hf - 4, 3)

    vote(db, voters[0].id, upvoted=False)
    assert state(db) == (hf - 4 + 2, hf - 4, 2)
    import_daily_items(db, _with_count(0))
    assert state(db) == (2, 0, 2)

    # The API shows the total and both parts; the page shows the total.
    paper = client.get(f"/api/papers/{PAPER}").json()
    assert (paper["upvotes"], paper["sourceUpvotes"], paper["localUpvotes"]) == (2, 0, 2)
    daily = client.get("/api/daily_papers", params={"date": DAY.isoformat()}).json()
    assert next(i["paper"]["upvotes"] for i in daily if i["paper"]["id"] == PAPER) == 2
    assert "<strong>2</strong>" in client.get(f"/papers/{PAPER}").text


def test_the_live_sync_keeps_local_votes(db: Database, source_settings: Settings, replay: ReplayServer) -> None:
    """The issue's case: 14 from Hugging Face + 19 local votes, then Hugging Face says 15: 34, not 15."""
    body = json.loads((HF_DAYS / f"{DAY}.json").read_text())
    target = next(item for item in body if item["paper"]["id"] == PAPER)

    def sync(count: int) -> None:
        target["paper"]["upvotes"] = count
        replay.script("hf", Reply(body=json.dumps(body).encode(), content_type=JSON))
        with SourceClient(source_settings) as http:
            sync_hf_days(db, HuggingFaceDaily(source_settings.hf_url, http), [DAY])

    sync(14)
    for user in make_users(db, "local", 19):
        vote(db, user.id)
    assert state(db) == (33, 14, 19)
    sync(15)
    assert state(db) == (34, 15, 19)
    sync(15)
    assert state(db) == (34, 15, 19)


def test_two_voters_and_a_sync_at_once_keep_exact_counts(db: Database) -> None:
    """Each round starts two votes (or withdrawals) and a sync with a new count together, released by one
    barrier; after every round the total is exactly the last synced count plus the vote rows."""
    load_days(db, HF_DAYS / f"{DAY}.json")
    voters = make_users(db, "racer", 8)
    upvoted: dict[int, bool] = {}
    rng = random.Random(13)
    with ThreadPoolExecutor(3) as pool:
        for _ in range(12):
            pair = rng.sample(voters, 2)
            count = rng.randrange(0, 60)
            barrier = threading.Barrier(3)
            wanted = {user.id: not upvoted.get(user.id, False) for user in pair}

            def cast(user_id: int, barrier: threading.Barrier = barrier, wanted: dict[int, bool] = wanted) -> None:
                barrier.wait()
                vote(db, user_id, wanted[user_id])

            def sync(barrier: threading.Barrier = barrier, count: int = count) -> None:
                barrier.wait()
                import_daily_items(db, _with_count(count))

            futures = [pool.submit(cast, user.id) for user in pair] + [pool.submit(sync)]
            for future in futures:
                future.result()
            upvoted.update(wanted)
            local = sum(upvoted.values())
            assert state(db) == (count + local, count, local)


def test_migration_splits_stored_counts_and_reverses(db: Database) -> None:
    """Before 0008 ``upvotes`` mixed both parts. The split takes the vote rows out (floored at 0: a paper whose
    votes a sync had erased gets them back on top of nothing), and the downgrade keeps the totals."""
    load_days(db, HF_DAYS / f"{DAY}.json")
    with db.read() as session:
        mixed, erased, untouched = session.scalars(select(Paper.id).order_by(Paper.id).limit(3)).all()
    users = make_users(db, "old", 19)
    with db.write() as session:
        session.add_all(Vote(user_id=u.id, paper_id=p) for u in users for p in (mixed, erased))
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007")
        # Stored as the old code left them: 14 imported + 19 votes; and re-imported with 15 over 19 votes.
        connection.execute(text("UPDATE papers SET upvotes = 33 WHERE id = :id"), {"id": mixed})
        connection.execute(text("UPDATE papers SET upvotes = 15 WHERE id = :id"), {"id": erased})
        connection.execute(text("UPDATE papers SET upvotes = 7 WHERE id = :id"), {"id": untouched})
        command.upgrade(alembic_config(connection), "0008")
        query = text("SELECT id, upvotes, source_upvotes FROM papers WHERE id IN (:a, :b, :c)")
        rows = {r[0]: tuple(r[1:]) for r in connection.execute(query, {"a": mixed, "b": erased, "c": untouched})}
        assert rows == {mixed: (33, 14), erased: (19, 0), untouched: (7, 7)}
        command.downgrade(alembic_config(connection), "0007")
        totals = dict(
            connection.execute(
                text("SELECT id, upvotes FROM papers WHERE id IN (:a, :b)"), {"a": mixed, "b": erased}
            ).all()
        )
        assert totals == {mixed: 33, erased: 19}
        command.upgrade(alembic_config(connection), "head")
    with db.read() as session:
        assert session.get(Paper, mixed).source_upvotes == 14  # type: ignore[union-attr]
