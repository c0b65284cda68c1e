"""A real ``kill -9`` in the middle of a harvest, then a rerun: exactly the records of a clean run."""

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.models import HarvestCheckpoint
from dailypapers.papers.models import Paper
from dailypapers.sources.arxiv_oai import MetadataFormat, parse_list_records
from tests.replay import BULK_PAGES, BULK_RECORDS, ReplayServer, bulk_page


def _snapshot(db: Database) -> dict[str, tuple[object, ...]]:
    with db.read() as session:
        papers = session.scalars(select(Paper).options(selectinload(Paper.authors))).all()
        return {
            p.arxiv_id: (p.title, p.abstract, tuple(p.author_list), p.categories, p.published_at, p.updated_at, p.doi)
            for p in papers
        }


def _expected() -> dict[str, tuple[object, ...]]:
    """What a clean run stores: every record of the ten pages, mapped by the same parser."""
    expected = {}
    for index in range(BULK_PAGES):
        for r in parse_list_records(bulk_page(index), f"page {index}", MetadataFormat.arxiv).records:
            expected[r.arxiv_id] = (
                r.title,
                r.abstract,
                r.authors,
                " ".join(r.categories or ()),
                r.published_at,
                r.updated_at,
                r.doi,
            )
    return expected


def _pages_done(db: Database) -> int:
    with db.read() as session:
        checkpoint = session.scalar(select(HarvestCheckpoint))
        return checkpoint.pages if checkpoint else 0


def test_kill_minus_9_then_rerun_matches_a_clean_run(
    source_settings: Settings, db: Database, replay: ReplayServer
) -> None:
    replay.page_delay_seconds = 0.3  # slow enough to land the kill between pages 3 and 10
    command = [sys.executable, "-m", "dailypapers", "ingest", "arxiv", "--from", "2007-04-01"]
    harvest = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while _pages_done(db) < 3:
        assert harvest.poll() is None, harvest.stdout.read() if harvest.stdout else ""
        assert time.monotonic() < deadline, "the harvest made no progress"
        time.sleep(0.05)
    harvest.send_signal(signal.SIGKILL)
    harvest.wait(timeout=10)
    assert harvest.returncode == -signal.SIGKILL
    killed_at = _pages_done(db)
    fetched_before_kill = replay.count("oai")
    assert 3 <= killed_at < BULK_PAGES, "the kill must land mid-harvest"
    partial = _snapshot(db)
    assert len(partial) == killed_at * 1000  # whole pages only: a page and its checkpoint commit together

    replay.page_delay_seconds = 0.0
    rerun = subprocess.run(command, env=os.environ.copy(), capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"resumed an interrupted harvest after page {killed_at}" in rerun.stdout + rerun.stderr
    final = _snapshot(db)
    assert len(final) == BULK_RECORDS
    assert final == _expected()  # none missing, none duplicated, nothing different
    with db.read() as session:
        checkpoint = session.scalar(select(HarvestCheckpoint))
        assert checkpoint is not None and checkpoint.status == "done" and checkpoint.pages == BULK_PAGES
    tokens = [q.get("resumptionToken") for route, q in replay.requests if route == "oai"]
    page_tokens = [None] + [f"2752941|{index * 1000 + 1}" for index in range(1, BULK_PAGES)]
    # Before the kill each page was asked for once, in order (the last one perhaps in flight, never stored).
    assert tokens[:fetched_before_kill] == page_tokens[:fetched_before_kill]
    # The rerun asked for exactly the pages not stored: from the checkpoint's page on, once each.
    assert tokens[fetched_before_kill:] == page_tokens[killed_at:]
