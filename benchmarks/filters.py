"""Benchmark: the filter vocabulary (papers/filters.py) on listings and feeds, saved-search matching, and personal
feed tokens, in process on SQLite, over every Hugging Face day in ``../shared/data/hf_daily_papers``.

The HF day files carry no arXiv categories, so each paper gets one of a few category sets in turn by arXiv id
(as the tests do): category filters then keep about the share a real corpus would. Saved-search semantic matching
needs vectors: each paper gets a random unit vector (timing only; the query embedding is the real model's), so
the semantic numbers measure the work, not the quality. Prints a table; nothing is asserted.

    .venv/bin/python benchmarks/filters.py [--data PATH] [--runs 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dailypapers.accounts.models import User  # noqa: E402
from dailypapers.config import Settings  # noqa: E402
from dailypapers.db import Database  # noqa: E402
from dailypapers.feeds.atom import build_feed  # noqa: E402
from dailypapers.papers import listings  # noqa: E402
from dailypapers.papers.filters import PaperFilters, parse_query_string  # noqa: E402
from dailypapers.papers.lookup import bylines  # noqa: E402
from dailypapers.papers.models import Paper  # noqa: E402
from dailypapers.papers.periods import PeriodKind, parse_period  # noqa: E402
from dailypapers.personal import feed_tokens  # noqa: E402
from dailypapers.personal.models import SavedSearch  # noqa: E402
from dailypapers.personal.saved_searches import matches  # noqa: E402
from dailypapers.search.embedder import get_embedder  # noqa: E402
from dailypapers.search.models import PaperVector  # noqa: E402
from dailypapers.search.vectors.format import configured_model, to_blob  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers"
PYTHON = [sys.executable, "-m", "dailypapers"]
CATEGORIES = ["cs.CV cs.AI", "cs.CL", "cs.RO cs.LG", "stat.ML cs.LG", "math.OC", "cs.CL cs.AI", "physics.comp-ph"]
FILTERS = [
    "",
    "category=cs",
    "category=cs.CL&category=cs.RO",
    "exclude_category=cs.CV",
    "exclude=diffusion&exclude=video",
    "has_code=true&min_upvotes=10",
    "author=wang",
    "category=cs&exclude=survey&has_code=true&min_upvotes=5&author=li",
]


def timed(run: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(min(20, runs)):
        run()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.99) - 1)]


def prepare(work: Path, data: Path) -> Settings:
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(work)}
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    subprocess.run([*PYTHON, "db", "upgrade"], env=env, check=True, capture_output=True)
    # The 22 malformed days are refused from days/ (exit 1, by design) and taken from repaired/.
    subprocess.run([*PYTHON, "import", "hf", str(data / "days")], env=env, check=False, capture_output=True)
    subprocess.run([*PYTHON, "import", "hf", str(data / "repaired")], env=env, check=True, capture_output=True)
    return Settings(data_dir=work, database_url=None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="hf_daily_papers folder")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    if not (args.data / "days").is_dir():
        print(f"missing data: {args.data / 'days'} not found (this benchmark needs ../shared/data/hf_daily_papers)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="dailypapers-bench-filters-"))
    try:
        settings = prepare(work, args.data)
        db = Database.from_settings(settings)
        model = configured_model(settings)
        rng = np.random.default_rng(0)
        with db.write() as session:
            for i, paper in enumerate(session.scalars(select(Paper).order_by(Paper.arxiv_id))):
                paper.categories = CATEGORIES[i % len(CATEGORIES)]
                vector = rng.standard_normal(model.dim).astype(np.float32)
                session.add(
                    PaperVector(
                        paper_id=paper.id,
                        model=model.model_id,
                        dim=model.dim,
                        vector=to_blob(vector / np.linalg.norm(vector)),
                    )
                )
            user = User(username="bench", email="bench@example.org")
            session.add(user)
            session.flush()
            user_id = user.id
        with db.read() as session:
            total = session.scalar(select(func.count()).select_from(Paper))
            latest = listings.latest_day(session)
        assert latest is not None
        month = parse_period(PeriodKind.month, latest.strftime("%Y-%m"))
        print(f"corpus: {total} papers; machine: {os.cpu_count()} cores; SQLite WAL; {args.runs} runs each")
        print(f"\n{'filters':<66} {'month papers':>12} {'listing p50/p99 ms':>19} {'feed p50/p99 ms':>16}")
        for query in FILTERS:
            filters = parse_query_string([tuple(p.split("=", 1)) for p in query.split("&") if p])  # type: ignore[misc]
            with db.read() as session:
                count = listings.listing(session, month, filters=filters, limit=50).total

                def page(filters: PaperFilters = filters) -> object:
                    return listings.listing(session, month, filters=filters, limit=50)

                def feed(filters: PaperFilters = filters) -> object:
                    rows = listings.entries(session, month.start, month.end, filters=filters, limit=1000)
                    authors = bylines(session, [paper.id for _, paper in rows])
                    return build_feed(settings, title="m", page_path="/", feed_path="/f", rows=rows, authors=authors)

                page_times = timed(page, args.runs)
                feed_times = timed(feed, max(10, args.runs // 10))
            print(
                f"{query or '(none)':<66} {count:>12} {page_times[0]:>9.2f} / {page_times[1]:<7.2f} "
                f"{feed_times[0]:>7.1f} / {feed_times[1]:<7.1f}"
            )
        get_embedder(settings).embed(["warm up"])
        since = dt.datetime.combine(latest - dt.timedelta(days=30), dt.time(), tzinfo=dt.UTC)
        print(f"\nsaved-search matching, papers published since {since.date()} (30 days):")
        for mode in ("keyword", "semantic", "hybrid"):
            saved = SavedSearch(
                user_id=user_id,
                name=mode,
                q="video generation with diffusion models",
                mode=mode,
                filters="",
                threshold=0.1,
            )
            with db.read() as session:
                found = len(matches(session, settings, saved, since, limit=50))

                def match(saved: SavedSearch = saved) -> object:
                    return matches(session, settings, saved, since, limit=50)

                p50, p99 = timed(match, max(10, args.runs // 10))
            print(f"  {mode:<9} {found:>3} matches   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
        token = feed_tokens.feed_token(settings, user_id, 1, feed_tokens.FeedKind.for_you)
        with db.read() as session:
            p50, p99 = timed(lambda: feed_tokens.resolve(session, settings, token), args.runs)
        print(f"\npersonal feed token check (signature, member, version): p50 {p50:.3f} ms, p99 {p99:.3f} ms")
        db.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
