"""The web benchmark's corpus: the real Hugging Face daily papers of ``../shared/data`` resampled to any size.

Every item of ``hf_daily_papers/days`` (the malformed days from ``repaired/``) is read through our own parser;
copies get fresh arXiv ids and are spread over days backwards from the newest, ``PER_DAY`` to a day (HF lists
15-50), so a day, a week and a month hold what they hold on the real feed. Titles, abstracts, author lists,
submitters and upvote counts are real. Imported through the real import path (``import_daily_items``), then a
benchmark member with votes and saves on the latest day, comments on its top papers, and random unit vectors
for every paper (similar papers go through the vector index, as on a site whose embed job has caught up).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

import numpy as np
from sqlalchemy import func, insert, select

from dailypapers.accounts.models import User
from dailypapers.community import collections, comments
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.ingest.files import import_daily_items
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.search.embedder import MINILM_DIM, MINILM_MODEL_ID
from dailypapers.search.models import PaperVector
from dailypapers.search.vectors.format import to_blob
from dailypapers.sources.huggingface import DailyItem, MalformedDayFile, read_day_file
from dailypapers.votes.services import set_vote

PER_DAY = 25
NEWEST_DAY = dt.date(2025, 10, 31)
MEMBER_VOTES = 10  # the benchmark member's upvotes (and saves) on the latest day: marks on every page


def real_items(data: Path) -> list[DailyItem]:
    """Every parsable item of the HF day files (days/ first, a malformed one's repaired copy instead)."""
    by_name: dict[str, Path] = {p.name: p for p in sorted((data / "days").glob("*.json"))}
    by_name.update({p.name: p for p in sorted((data / "repaired").glob("*.json"))})
    items: list[DailyItem] = []
    for name in sorted(by_name):
        try:
            items += read_day_file(by_name[name])
        except MalformedDayFile:
            continue
    return list({item.paper.arxiv_id: item for item in items}.values())


def resampled(items: list[DailyItem], size: int) -> list[list[DailyItem]]:
    """``size`` items as days of ``PER_DAY``, the newest day first; copy n of a real item gets id ``n``."""
    days: list[list[DailyItem]] = []
    for n in range(size):
        source = items[n % len(items)]
        day = NEWEST_DAY - dt.timedelta(days=n // PER_DAY)
        arxiv_id = f"{2001 + n // 99_999:04d}.{n % 99_999 + 1:05d}"
        at = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(minutes=n % PER_DAY)
        paper = dataclasses.replace(source.paper, arxiv_id=arxiv_id, published_at=at - dt.timedelta(days=2))
        entry = dataclasses.replace(source.entry, arxiv_id=arxiv_id, day=day, submitted_at=at)
        if n % PER_DAY == 0:
            days.append([])
        days[-1].append(DailyItem(paper, entry))
    return days


def build(settings: Settings, data: Path, size: int, member: str) -> dict[str, str]:
    """Fill the (migrated, empty) database; returns the ids the benchmark asks for."""
    db = Database.from_settings(settings)
    started = time.perf_counter()
    for day in resampled(real_items(data), size):
        import_daily_items(db, day)
    print(f"  imported {size:,} papers in {time.perf_counter() - started:.1f} s")
    rng = np.random.default_rng(size)
    with db.read() as session:
        ids = list(session.scalars(select(Paper.id).order_by(Paper.id)))
    now = utcnow()
    for start in range(0, len(ids), 20_000):
        chunk = ids[start : start + 20_000]
        matrix = rng.standard_normal((len(chunk), MINILM_DIM)).astype(np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        rows = [
            {"paper_id": i, "model": MINILM_MODEL_ID, "dim": MINILM_DIM, "vector": to_blob(v), "created_at": now}
            for i, v in zip(chunk, matrix, strict=True)
        ]
        with db.write() as session:
            session.execute(insert(PaperVector), rows)
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == member))
        assert user is not None, "create the member first"
        latest = session.scalar(select(func.max(DailyEntry.day)))
        top = list(
            session.scalars(
                select(Paper).join(DailyEntry).where(DailyEntry.day == latest).order_by(Paper.upvotes.desc())
            )
        )
        saved_in = collections.default_collection(session, user)
        for paper in top[:MEMBER_VOTES]:
            set_vote(session, user, paper, True)
            collections.save(session, user, paper, saved_in.id)
            comments.add_comment(session, settings, user, paper, f"A benchmark comment on {paper.title[:40]}.")
        week = dt.date.fromisoformat(str(latest)).isocalendar()
        targets = {
            "day": str(latest),
            "week": f"{week.year}-W{week.week:02d}",
            "month": str(latest)[:7],
            "paper": top[0].arxiv_id,
            "collection": str(saved_in.id),
        }
    db.dispose()
    return targets
