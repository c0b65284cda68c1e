"""The enrichment job spread over workers (``jobs.claims``, SQLite and PostgreSQL): two workers at once take
disjoint papers, so every repository and every Hugging Face paper is asked for exactly once and none is missed;
one repository linked by two papers is read once for both; a dead worker's claims elsewhere are taken over only
after their lease; and the AI summaries' daily budget holds for all workers together."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, select, update

from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.ingest.enrich import run_enrich
from dailypapers.ingest.enrich_llm import summarize_papers
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.jobs.claims import live_claims
from dailypapers.jobs.models import WorkClaim
from dailypapers.jobs.scheduler import JobContext
from dailypapers.papers.models import Paper
from tests.enrich_replay import EnrichReplay
from tests.enrich_support import REPOS, enrich_server, enrich_settings, store_papers
from tests.replay import Reply

__all__ = ["enrich_server"]  # the fixture, imported for pytest

NOW = dt.datetime(2025, 10, 2, 12, 0, tzinfo=dt.UTC)
ANNOUNCED = dt.date(2025, 10, 1)
WAIT_SECONDS = 60


def enrich(db: Database, settings: Settings, now: dt.datetime = NOW) -> str:
    return run_enrich(JobContext(db, settings, renew=lambda: None), now=now)


def asked_repos(server: EnrichReplay) -> Counter[str]:
    return Counter(path.removeprefix("/repos/").lower() for path in server.seen("github"))


def stars(db: Database) -> dict[str, int | None]:
    with db.read() as session:
        query = select(Paper.arxiv_id, Paper.github_stars).where(Paper.github_repo.is_not(None))
        return dict(session.execute(query).all())


def wait_until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline, "the first worker never got there"
        time.sleep(0.02)


def test_two_workers_enrich_disjoint_papers(settings: Settings, db: Database, enrich_server: EnrichReplay) -> None:
    settings = enrich_settings(settings, enrich_server, enrich_batch_size=3)
    store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=2))
    enrich_server.hold_github_at = 1  # the first worker's first repository waits for its answer until released
    first: list[str] = []
    thread = threading.Thread(target=lambda: first.append(enrich(db, settings)))
    thread.start()
    second: list[str] = []
    try:
        wait_until(lambda: len(enrich_server.seen("github")) >= 1)
        # Meanwhile the second worker runs the job until nothing is left that the first has not claimed.
        for _ in range(10):
            second.append(enrich(db, settings))
            if "stars up to date" in second[-1] and "Hugging Face metadata of 0 papers" in second[-1]:
                break
        assert "stars up to date" in second[-1], second
    finally:
        enrich_server.release.set()
        thread.join(WAIT_SECONDS)
    assert first and "stars of 0 repositories" not in first[0], first  # both took a share
    assert any("stars of" in report and "stars of 0 " not in report for report in second), second
    assert "stars up to date" in enrich(db, settings)  # nothing left over
    assert asked_repos(enrich_server) == {repo.lower(): 1 for repo in REPOS}  # each once, none missed
    hf = enrich_server.seen("hf-paper")
    assert len(hf) == len(set(hf)) == 8
    assert set(stars(db).values()) == set(REPOS.values())
    assert live_claims(db, "enrich:stars") == live_claims(db, "enrich:repo") == live_claims(db, "enrich:hf") == 0


def test_one_repository_linked_twice_is_read_once(
    settings: Settings, db: Database, enrich_server: EnrichReplay
) -> None:
    settings = enrich_settings(settings, enrich_server, hf_mirror=False)
    ids = store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=2))
    with db.write() as session:  # a paper without a link of its own names STEVE, spelled in another case
        session.execute(
            update(Paper).where(Paper.id == ids["2503.12545"]).values(github_repo="https://github.com/fanbinlu/steve")
        )
    enrich(db, settings)
    assert asked_repos(enrich_server)["fanbinlu/steve"] == 1
    linked = stars(db)
    assert linked["2503.12545"] == linked["2503.12532"] == REPOS["FanbinLu/STEVE"]


def test_a_dead_workers_claims_elsewhere_wait_for_their_lease(
    settings: Settings, db: Database, enrich_server: EnrichReplay
) -> None:
    settings = enrich_settings(settings, enrich_server, hf_mirror=False)
    ids = store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=2))
    taken = [ids["2503.12532"], ids["2503.21088"]]  # STEVE and unlearn, linked in the papers' own text
    with db.write() as session:  # a worker on another host claimed them and died; a minute of lease is left
        until = utcnow() + dt.timedelta(minutes=1)
        session.add_all(
            WorkClaim(kind="enrich:stars", item_id=i, holder="other-host:1:1", expires_at=until) for i in taken
        )
    enrich(db, settings)
    others = {"tulerfeng/video-r1", "vchitect/vbench", "wangqinsi1/vision-zero"}
    assert set(asked_repos(enrich_server)) == others
    with db.write() as session:  # the lease runs out: the host is presumed gone
        session.execute(update(WorkClaim).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    enrich(db, settings)
    assert asked_repos(enrich_server) == {repo: 1 for repo in {*others, "fanbinlu/steve", "zjunlp/unlearn"}}
    assert live_claims(db, "enrich:stars") == 0


def test_the_summary_budget_holds_across_workers(settings: Settings, db: Database, enrich_server: EnrichReplay) -> None:
    llm = {"llm_url": f"{enrich_server.url}/v1", "llm_model": "small-model", "llm_daily_limit": 3}
    settings = enrich_settings(settings, enrich_server, **llm)
    store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=2))  # all eight are the top of the latest announcement
    held = threading.Event()
    prompt = {"messages": [{"role": "user", "content": "Title: Held\n"}]}
    answer = enrich_server._chat(json.dumps(prompt).encode())
    enrich_server.script("chat", Reply(answer.status, answer.body, answer.content_type, stall=held))
    first: list[str] = []
    thread = threading.Thread(target=lambda: first.append(summarize_papers(db, settings, NOW)))
    thread.start()
    try:
        wait_until(lambda: len(enrich_server.seen("chat")) >= 1)
        # The first worker has one summary of three in flight: the second may ask for two more, not three.
        second = summarize_papers(db, settings, NOW)
    finally:
        held.set()
        thread.join(WAIT_SECONDS)
    assert "AI summaries: 2 written" in second and first == ["AI summaries: 1 written by small-model"]
    assert len(enrich_server.seen("chat")) == 3
    with db.read() as session:
        assert session.scalar(select(func.count()).where(PaperEnrichment.llm_at.is_not(None))) == 3
        assert session.scalar(select(func.count()).where(Paper.ai_summary_model == "replay-llm-1")) == 3
    assert "today's 3 used" in summarize_papers(db, settings, NOW)
