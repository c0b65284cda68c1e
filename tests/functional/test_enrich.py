"""The enrichment job (``enrich``) on both databases, against a loopback enrich_server standing in for GitHub, Hugging
Face's paper endpoint and an OpenAI-compatible chat endpoint (tests/enrich_replay.py), with eight real papers
(tests/fixtures/enrich): links from their text, stars with ETags, renames, deletions and the rate limit,
Hugging Face metadata with local votes kept, AI summaries within a budget, and one log line when offline."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import func, select

from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich import JOBS, run_enrich, unenriched_papers
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.ingest.upserts import upsert_daily_entries, upsert_papers
from dailypapers.jobs.scheduler import JobContext, JobStatus, run_job
from dailypapers.papers.models import Paper
from dailypapers.papers.records import DailyEntryRecord, PaperRecord
from dailypapers.ranking.hotness import trending_score
from dailypapers.votes.services import set_vote
from dailypapers.wiring import all_jobs
from tests.conftest import _free_port
from tests.enrich_replay import EnrichReplay, hf_papers
from tests.enrich_support import REPOS, enrich_server, enrich_settings, store_papers
from tests.factories import make_users

__all__ = ["enrich_server"]  # the fixture, imported for pytest

NOW = dt.datetime(2025, 10, 2, 12, 0, tzinfo=dt.UTC)
ANNOUNCED = dt.date(2025, 10, 1)


def enrich(db: Database, settings: Settings, now: dt.datetime) -> str:
    return run_enrich(JobContext(db, settings, renew=lambda: None), now=now)


def papers(db: Database) -> dict[str, Paper]:
    with db.read() as session:
        return {p.arxiv_id: p for p in session.scalars(select(Paper))}


def states(db: Database) -> dict[int, PaperEnrichment]:
    with db.read() as session:
        return {row.paper_id: row for row in session.scalars(select(PaperEnrichment))}


def github_paths(enrich_server: EnrichReplay) -> list[str]:
    return [path.removeprefix("/repos/") for path in enrich_server.seen("github")]


def test_links_stars_and_hugging_face_metadata(settings: Settings, db: Database, enrich_server: EnrichReplay) -> None:
    settings = enrich_settings(settings, enrich_server)
    ids = store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=2))
    assert unenriched_papers(db, settings) == 8
    fan = make_users(db, "fan", 1)[0]
    with db.write() as session:  # a local vote before Hugging Face's count arrives: it must stay on top
        set_vote(session, session.get(User, fan.id), session.get(Paper, ids["2503.21776"]), True)  # type: ignore[arg-type]

    report = enrich(db, settings, NOW)
    assert report.startswith("links read for 8 papers (7 with links)")
    stored = papers(db)
    repos = {arxiv_id: p.github_repo for arxiv_id, p in stored.items()}
    assert repos == {
        "2503.12532": "https://github.com/FanbinLu/STEVE",  # "Code is available at https://github.com/…/STEVE."
        "2503.21088": "https://github.com/zjunlp/unlearn",  # ".../unlearn/tree/main/semeval25."
        "2503.13399": "https://github.com/jmhb0/microvqa",  # not in its text: Hugging Face's link
        "2503.21776": "https://github.com/tulerfeng/Video-R1",
        "2503.12545": None,  # no link anywhere: none invented
        "2503.12329": "https://github.com/njucckevin/CapArena",  # Hugging Face's
        "2503.21755": "https://github.com/Vchitect/VBench",
        "2509.25541": "https://github.com/wangqinsi1/Vision-Zero",
    }
    assert stored["2503.13399"].project_page == "https://jmhb0.github.io/microvqa"  # its text's, first
    assert stored["2503.12329"].project_page == "https://caparena.github.io/"  # the full stop is not the link's
    assert states(db)[ids["2503.13399"]].code_links == ["https://huggingface.co/datasets/jmhb/microvqa"]

    # Each repository asked once, its stars stored with when they were read, and the score recomputed with them.
    assert sorted(github_paths(enrich_server)) == sorted(REPOS)
    recorded = hf_papers()
    for arxiv_id, paper in stored.items():
        if paper.github_repo:
            assert paper.github_stars == REPOS[paper.github_repo.removeprefix("https://github.com/")]
            assert paper.github_stars_at == NOW
        assert paper.source_upvotes == recorded[arxiv_id]["upvotes"]
        assert paper.ai_keywords == recorded[arxiv_id]["ai_keywords"]
        assert paper.trending_score == trending_score(
            paper.upvotes, paper.published_at, stars=paper.github_stars, published_at=paper.published_at,
            stars_at=paper.github_stars_at,
        )  # fmt: skip
    assert stored["2503.21776"].upvotes == recorded["2503.21776"]["upvotes"] + 1  # the local vote kept
    assert stored["2509.25541"].ai_summary == recorded["2509.25541"]["ai_summary"]
    assert stored["2509.25541"].ai_summary_model is None  # Hugging Face's, not generated here
    assert sorted(enrich_server.seen("hf-paper")) == sorted(f"/api/papers/{i}" for i in ids)
    assert unenriched_papers(db, settings) == 0

    # An hour on, nothing is due: no request at all.
    assert "stars up to date" in enrich(db, settings, NOW + dt.timedelta(hours=1))
    assert len(enrich_server.requests) == 7 + 8

    # A day on, recent papers are refreshed: conditional requests (304 keeps the stars) and one changed count.
    enrich_server.repos["fanbinlu/steve"].stars = 95
    enrich(db, settings, NOW + dt.timedelta(days=1, minutes=1))
    later = enrich_server.requests[15:]
    github = [s for s in later if s.route == "github"]
    assert len(github) == 7 and all(s.headers.get("if-none-match") for s in github)
    assert len([s for s in later if s.route == "hf-paper"]) == 8  # one request per paper per day
    refreshed = papers(db)
    assert refreshed["2503.12532"].github_stars == 95
    assert refreshed["2503.21776"].github_stars == REPOS["tulerfeng/Video-R1"]
    assert refreshed["2503.21776"].github_stars_at == NOW + dt.timedelta(days=1, minutes=1)


def test_older_papers_are_refreshed_weekly(settings: Settings, db: Database, enrich_server: EnrichReplay) -> None:
    settings = enrich_settings(settings, enrich_server, hf_mirror=False)
    store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=200))
    assert "Hugging Face: mirror off" in enrich(db, settings, NOW)
    assert enrich_server.seen("hf-paper") == []
    first = len(enrich_server.seen("github"))
    assert first == 5  # the five repositories written in the papers' own text
    enrich(db, settings, NOW + dt.timedelta(days=3))
    assert len(enrich_server.seen("github")) == first  # older than DAILYPAPERS_ENRICH_RECENT_DAYS: weekly
    enrich(db, settings, NOW + dt.timedelta(days=7, minutes=1))
    assert len(enrich_server.seen("github")) == 2 * first


def test_renamed_and_deleted_repositories(settings: Settings, db: Database, enrich_server: EnrichReplay) -> None:
    settings = enrich_settings(settings, enrich_server, hf_mirror=False)
    ids = store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=2))
    enrich_server.rename("zjunlp/unlearn", "zjunlp/MergeUnlearn")
    del enrich_server.repos["vchitect/vbench"]
    enrich(db, settings, NOW)
    stored, rows = papers(db), states(db)
    renamed = stored["2503.21088"]
    assert renamed.github_repo == "https://github.com/zjunlp/MergeUnlearn"  # followed the 301
    assert renamed.github_stars == REPOS["zjunlp/unlearn"]
    assert rows[ids["2503.21088"]].github_status == "moved"
    deleted = stored["2503.21755"]
    assert deleted.github_repo == "https://github.com/Vchitect/VBench"  # the paper's link, as it gives it
    assert (deleted.github_stars, deleted.github_stars_at) == (None, None)
    assert rows[ids["2503.21755"]].github_status == "gone"
    # The new address is what the next refresh asks for, and it is not asked again before it is due.
    enrich(db, settings, NOW + dt.timedelta(hours=2))
    assert github_paths(enrich_server).count("zjunlp/unlearn") == 1
    enrich(db, settings, NOW + dt.timedelta(days=1, hours=1))
    assert "zjunlp/MergeUnlearn" in github_paths(enrich_server)
    assert github_paths(enrich_server).count("zjunlp/unlearn") == 1


def test_the_rate_limit_stops_the_step_until_its_reset(
    settings: Settings, db: Database, enrich_server: EnrichReplay
) -> None:
    settings = enrich_settings(settings, enrich_server, hf_mirror=False)
    store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=2))
    reset = NOW + dt.timedelta(minutes=30)
    enrich_server.reset_epoch, enrich_server.remaining = int(reset.timestamp()), 2
    report = enrich(db, settings, NOW)
    assert "stars of 2 repositories" in report and "rate limit reached, resuming after 12:30:00 UTC" in report
    assert len(enrich_server.seen("github")) == 2  # stopped on the window's last request, not after a refusal

    # Before the reset nothing is asked, however often the job runs.
    assert "GitHub rate limit: resuming after 2025-10-02 12:30:00 UTC" in enrich(
        db, settings, NOW + dt.timedelta(minutes=5)
    )
    assert len(enrich_server.seen("github")) == 2

    # After it the step goes on with what is left: every repository read exactly once.
    enrich_server.remaining = 100
    enrich(db, settings, reset + dt.timedelta(seconds=1))
    assert sorted(github_paths(enrich_server)) == sorted(set(REPOS) - {"jmhb0/microvqa", "njucckevin/CapArena"})
    assert all(p.github_stars is not None for p in papers(db).values() if p.github_repo)

    # A refusal (403, remaining 0) stores nothing and waits for the reset it names.
    enrich_server.remaining = 0
    later = reset + dt.timedelta(days=2)
    enrich_server.reset_epoch = int((later + dt.timedelta(hours=1)).timestamp())
    assert "rate limited until 13:30:00 UTC" in enrich(db, settings, later)
    assert "resuming after" in enrich(db, settings, later + dt.timedelta(minutes=1))


def summaries(db: Database) -> dict[str, tuple[str | None, str | None]]:
    return {i: (p.ai_summary, p.ai_summary_model) for i, p in papers(db).items()}


def test_ai_summaries_for_the_feed_and_the_top_of_new_within_the_budget(
    settings: Settings, db: Database, enrich_server: EnrichReplay
) -> None:
    ids = store_papers(db, ANNOUNCED, NOW - dt.timedelta(days=2))
    # Without an endpoint nothing is generated, and nothing is asked.
    assert "AI summaries: no DAILYPAPERS_LLM_URL/_MODEL" in enrich(db, enrich_settings(settings, enrich_server), NOW)
    assert enrich_server.seen("chat") == []
    assert all(model is None for _, model in summaries(db).values())

    with db.write() as session:
        for arxiv_id in ("2503.12545", "2503.21088"):
            record = DailyEntryRecord(arxiv_id, ANNOUNCED, NOW - dt.timedelta(hours=3))
            upsert_daily_entries(session, [record])
    llm = {
        "llm_url": f"{enrich_server.url}/v1",
        "llm_model": "small-model",
        "llm_api_key": "sk-test",
        "llm_daily_limit": 3,
    }
    settings = enrich_settings(settings, enrich_server, **llm)
    report = enrich(db, settings, NOW + dt.timedelta(hours=1))
    assert "AI summaries: 3 written by small-model" in report
    made = {i: s for i, s in summaries(db).items() if s[1] is not None}
    assert set(made) >= {"2503.12545", "2503.21088"}  # the feed's papers first
    assert made["2503.12545"] == (f"A summary of {papers(db)['2503.12545'].title}.", "replay-llm-1")
    assert "2509.25541" not in made  # it has Hugging Face's summary
    request = enrich_server.requests[[s.route for s in enrich_server.requests].index("chat")]
    assert request.headers["authorization"] == "Bearer sk-test"
    assert json.loads(request.body)["model"] == "small-model"

    # The day's budget is spent: nothing more today, the rest tomorrow, never a paper twice.
    assert "today's 3 used" in enrich(db, settings, NOW + dt.timedelta(hours=2))
    enrich(db, settings, NOW + dt.timedelta(days=1))
    assert len(enrich_server.seen("chat")) == 6
    with db.read() as session:
        assert session.scalar(select(func.count()).where(PaperEnrichment.llm_at.is_not(None))) == 6
    assert len({s.body for s in enrich_server.requests if s.route == "chat"}) == 6

    # A source's summary arriving later replaces the generated one, and with it the model's name.
    paper = papers(db)["2503.12545"]
    with db.write() as session:
        record = PaperRecord(paper.arxiv_id, paper.title, paper.abstract, (), ai_summary="Hugging Face's summary.")
        upsert_papers(session, [record])
    assert summaries(db)["2503.12545"] == ("Hugging Face's summary.", None)
    assert ids  # all eight stored


def test_without_network_one_line_per_run_and_the_links_still_read(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    settings = settings.model_copy(
        update={
            "github_api_url": dead,
            "hf_url": dead,
            "llm_url": f"{dead}/v1",
            "llm_model": "m",
            "hf_delay_seconds": 0,
            "enrich_batch_size": 1,  # links: 5 papers a transaction, so the 8 take two batches of one run
        }
    )
    store_papers(db, ANNOUNCED, dt.datetime.now(dt.UTC) - dt.timedelta(days=2))  # run_job: the real clock
    job = next(j for j in all_jobs() if j.name == "enrich")
    assert job is JOBS[0]
    caplog.set_level(logging.INFO)
    result = run_job(job, db, settings)
    assert result.status is JobStatus.failed
    for name in ("Hugging Face failed: cannot reach", "GitHub failed: cannot reach", "AI summaries failed: cannot"):
        assert name in result.report
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and lines[0].exc_info is None, [r.getMessage() for r in lines]
    assert lines[0].getMessage().startswith("job enrich failed: links read for 8 papers")
    assert unenriched_papers(db, settings) == 0
