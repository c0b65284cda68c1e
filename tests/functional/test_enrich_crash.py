"""A real ``kill -9`` of a worker in the middle of the enrichment job, then a rerun (both databases): what was
stored before the kill stays, the request in flight is the only one asked again, and nothing is stored twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from sqlalchemy import func, select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.jobs.models import JobRun
from dailypapers.papers.models import Paper
from tests.enrich_replay import EnrichReplay
from tests.enrich_support import REPOS, enrich_server, enrich_settings, environment, store_papers

__all__ = ["enrich_server"]  # the fixture, imported for pytest

HELD = 4  # the GitHub request in flight when the worker dies


def stars(db: Database) -> dict[str, int | None]:
    with db.read() as session:
        query = select(Paper.github_repo, Paper.github_stars).where(Paper.github_repo.is_not(None))
        return {repo.removeprefix("https://github.com/"): count for repo, count in session.execute(query)}


def worker(settings: Settings) -> list[str]:
    return [sys.executable, "-m", "dailypapers", "worker", "--once", "--job", "enrich"]


def test_kill_minus_9_during_enrichment_then_rerun(
    settings: Settings, db: Database, enrich_server: EnrichReplay
) -> None:
    settings = enrich_settings(settings, enrich_server)
    now = dt.datetime.now(dt.UTC)  # the worker runs on the real clock
    store_papers(db, now.date() - dt.timedelta(days=1), now - dt.timedelta(days=2))
    env = {**os.environ, **environment(settings)}
    enrich_server.hold_github_at = HELD
    process = subprocess.Popen(worker(settings), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while len(enrich_server.seen("github")) < HELD:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, "the worker never reached the GitHub step"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    in_flight = enrich_server.seen("github")[HELD - 1].removeprefix("/repos/")
    before = stars(db)
    read = {repo for repo, count in before.items() if count is not None}
    assert len(read) == HELD - 1 and in_flight not in read  # each answer committed as it came, no more
    enrich_server.release.set()

    rerun = subprocess.run(worker(settings), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert stars(db) == {repo: REPOS[repo] for repo in REPOS}  # nothing lost
    asked = Counter(path.removeprefix("/repos/") for path in enrich_server.seen("github"))
    assert asked == {repo: 2 if repo == in_flight else 1 for repo in REPOS}  # only the one in flight again
    assert len(enrich_server.seen("hf-paper")) == 8  # all answered before the kill; not asked again the same day
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(PaperEnrichment)) == 8  # one state row per paper
        assert session.scalar(select(func.count()).where(PaperEnrichment.github_checked_at.is_not(None))) == 7
        run = session.get(JobRun, "enrich")
        assert run is not None and run.last_status == "ran" and run.runs == 1  # the killed run never finished
