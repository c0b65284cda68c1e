"""The Hugging Face mirror job (``hf-daily``) against a loopback server replaying recorded Hugging Face days:
closed days synced once, missed days caught up (bounded), recent days refreshed, local votes kept, two workers
never doing the same work, and one log line per run without network."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from dailypapers.accounts.models import Role, User
from dailypapers.cli import app as cli
from dailypapers.community.submissions import submit
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.mirror import JOBS, STATE_KEY, mirror_client, run_hf_daily
from dailypapers.ingest.models import HarvestCheckpoint
from dailypapers.jobs.scheduler import Job, JobContext, Scheduler, run_job
from dailypapers.migrations import alembic_config
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.votes.services import set_vote
from dailypapers.wiring import all_jobs
from tests.conftest import HF_DAYS, _free_port
from tests.factories import make_user, make_users
from tests.replay import JSON, ReplayServer, Reply

# Just after Friday 2025-10-31 closed (UTC): the fixture holds Hugging Face's lists of 10-29, 10-30 and 10-31.
AFTER_FRIDAY = dt.datetime(2025, 11, 1, 0, 30, tzinfo=dt.UTC)
runner = CliRunner()


def days(start: str, end: str) -> list[str]:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def requested(replay: ReplayServer) -> list[str]:
    return [query["date"] for route, query in replay.requests if route == "hf"]


def mirror(db: Database, settings: Settings, now: dt.datetime) -> str:
    return run_hf_daily(JobContext(db, settings, renew=lambda: None), now=now)


def fixture_ids(day: str) -> set[str]:
    return {item["paper"]["id"] for item in json.loads((HF_DAYS / f"{day}.json").read_text())}


def entries(db: Database) -> dict[str, tuple[str, str]]:
    with db.read() as session:
        query = select(Paper.arxiv_id, DailyEntry.day, DailyEntry.origin).join(DailyEntry.paper)
        return {arxiv_id: (day.isoformat(), origin) for arxiv_id, day, origin in session.execute(query)}


def test_closed_days_are_synced_once_then_refreshed(
    source_settings: Settings, db: Database, replay: ReplayServer
) -> None:
    report = mirror(db, source_settings, AFTER_FRIDAY)
    # No history: the last seven closed days, oldest first, one request each; today (still open) is not asked.
    assert requested(replay) == days("2025-10-25", "2025-10-31")
    assert report.startswith("synced Hugging Face 2025-10-25 to 2025-10-31 (7 days)")
    stored = entries(db)
    for day in ("2025-10-29", "2025-10-30", "2025-10-31"):
        assert {i for i, (d, _) in stored.items() if d == day} == fixture_ids(day)
    assert {origin for _, origin in stored.values()} == {"hf"}

    # Running again changes nothing and asks for nothing: the work comes from the state.
    assert mirror(db, source_settings, AFTER_FRIDAY + dt.timedelta(hours=1)).startswith("up to date")
    assert len(requested(replay)) == 7

    # Six hours on, the last three closed days are refreshed; Hugging Face's count has grown meanwhile,
    # and the local votes cast in between stay on top of it.
    body = json.loads((HF_DAYS / "2025-10-31.json").read_text())
    paper_id = body[0]["paper"]["id"]
    fans = make_users(db, "fan", 2)
    with db.write() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == paper_id)).one()
        hf_count = paper.source_upvotes
        for user in fans:
            set_vote(session, session.get(User, user.id), paper, True)  # type: ignore[arg-type]
    body[0]["paper"]["upvotes"] = hf_count + 10
    replay.script("hf", None, None, Reply(body=json.dumps(body).encode(), content_type=JSON))
    mirror(db, source_settings, AFTER_FRIDAY + dt.timedelta(hours=6))
    assert requested(replay)[7:] == days("2025-10-29", "2025-10-31")
    with db.read() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == paper_id)).one()
        assert (paper.upvotes, paper.source_upvotes) == (hf_count + 10 + 2, hf_count + 10)

    # Two days later: the two new closed days, and 10-31 (still recent, last synced long enough ago).
    mirror(db, source_settings, AFTER_FRIDAY + dt.timedelta(days=2))
    assert requested(replay)[10:] == ["2025-10-31", "2025-11-01", "2025-11-02"]

    # A site stopped for three weeks catches up on at most DAILYPAPERS_HF_MIRROR_CATCHUP_DAYS days.
    settings = source_settings.model_copy(update={"hf_mirror_catchup_days": 4})
    mirror(db, settings, AFTER_FRIDAY + dt.timedelta(days=21))
    assert requested(replay)[13:] == days("2025-11-18", "2025-11-21")
    with db.read() as session:
        state = session.scalars(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY)).one()
        assert sorted(state.params["synced"]) == days("2025-11-18", "2025-11-21")  # older days pruned
    assert len(entries(db)) == len(stored)


def test_a_failed_day_is_retried_by_the_next_run(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    settings = source_settings.model_copy(update={"hf_mirror_catchup_days": 3})
    replay.script("hf", None, Reply(404, b"not found", "text/plain"))  # 10-30 fails after 10-29 is stored
    result = run_job(Job("hf-daily", 60, lambda ctx: run_hf_daily(ctx, now=AFTER_FRIDAY)), db, settings)
    assert result.status == "failed" and "HTTP 404" in result.report
    assert {d for d, _ in entries(db).values()} == {"2025-10-29"}
    mirror(db, settings, AFTER_FRIDAY)
    assert requested(replay) == ["2025-10-29", "2025-10-30", "2025-10-30", "2025-10-31"]
    assert {d for d, _ in entries(db).values()} == {"2025-10-29", "2025-10-30", "2025-10-31"}


def test_two_workers_never_sync_the_same_days(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    release = threading.Event()
    replay.script("hf", Reply(body=b"[]", content_type=JSON, stall=release))  # the first request hangs
    job = Job("hf-daily", 60, lambda ctx: run_hf_daily(ctx, now=AFTER_FRIDAY))
    results = []
    first = threading.Thread(target=lambda: results.append(run_job(job, db, source_settings)))
    first.start()
    while not requested(replay):  # the first worker holds the lock and is waiting on Hugging Face
        threading.Event().wait(0.01)
    results.append(run_job(job, db, source_settings))
    release.set()
    first.join()
    assert sorted(r.status for r in results) == ["ran", "skipped"], results
    assert requested(replay) == days("2025-10-25", "2025-10-31")


def test_without_network_a_run_logs_one_line(
    source_settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    offline = source_settings.model_copy(update={"hf_url": f"http://127.0.0.1:{_free_port()}"})
    scheduler = Scheduler(db, offline, JOBS)
    with caplog.at_level(logging.DEBUG, logger="dailypapers"):
        for tick in range(2):
            caplog.clear()
            [result] = scheduler.run_pending(now=tick * 10_000.0)
            assert result.status == "failed"
            assert [r.levelname for r in caplog.records] == ["WARNING"], caplog.text
            [line] = caplog.records
            assert line.exc_info is None and "job hf-daily failed: cannot reach" in line.getMessage()
    with db.read() as session:  # nothing recorded as synced: the next run with network does the work
        assert session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY)) is None


def test_the_mirror_is_registered_polite_and_can_be_turned_off(
    source_settings: Settings, db: Database, replay: ReplayServer
) -> None:
    assert "hf-daily" in {job.name for job in all_jobs()}  # so `serve` and `worker` run it
    assert Settings().hf_mirror is True and Settings().hf_mirror_catchup_days == 7
    polite = source_settings.model_copy(update={"hf_delay_seconds": 2.5})
    with mirror_client(polite) as client:
        assert client.min_interval_seconds == 2.5
    off = source_settings.model_copy(update={"hf_mirror": False})
    assert "off" in mirror(db, off, AFTER_FRIDAY)
    assert requested(replay) == []


def test_worker_once_runs_the_mirror(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    result = runner.invoke(cli, ["worker", "--once", "--job", "hf-daily"])
    assert result.exit_code == 0, result.output
    assert "hf-daily: ran: synced Hugging Face" in result.output
    assert len(requested(replay)) == 7


def test_pages_and_api_show_where_an_entry_came_from(
    source_settings: Settings, db: Database, client: TestClient
) -> None:
    mirror(db, source_settings, AFTER_FRIDAY)
    paper_id = sorted(fixture_ids("2025-10-31"))[0]
    assert "from Hugging Face" in client.get(f"/papers/{paper_id}").text
    assert "from Hugging Face" in client.get("/papers/date/2025-10-31").text
    api = client.get("/api/daily_papers", params={"date": "2025-10-31"}).json()
    assert {item["origin"] for item in api} == {"hf"}

    # Papers put on the feed here say who did it: a member submits, a curator curates.
    lenient = source_settings.model_copy(update={"submission_max_age_days": 3650})  # the fixture is old
    ada = make_user(db, "ada")
    cleo = make_user(db, "cleo", role=Role.curator)
    other = sorted(fixture_ids("2025-10-30"))[0]
    for arxiv_id, user_id in ((paper_id, ada.id), (other, cleo.id)):
        with db.write() as session:
            paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
            session.delete(session.scalars(select(DailyEntry).where(DailyEntry.paper_id == paper.id)).one())
            session.flush()
            submit(session, lenient, session.get(User, user_id), paper, now=AFTER_FRIDAY)  # type: ignore[arg-type]
    assert entries(db)[paper_id][1] == "submitted" and entries(db)[other][1] == "curated"
    page = client.get(f"/papers/{paper_id}").text
    assert 'submitted by <a href="/users/ada">ada</a>' in page
    listing = client.get("/papers/date/2025-11-01").text
    assert 'submitted by <a href="/users/ada">ada</a>' in listing
    assert 'added by curator <a href="/users/cleo">cleo</a>' in listing


def test_migration_derives_the_origin_of_existing_entries(source_settings: Settings, db: Database) -> None:
    """Entries made before 0009: those whose submitter has a login were submitted here (by a curator: curated),
    the rest came from Hugging Face (whose submitters are imported without a login)."""
    mirror(db, source_settings, AFTER_FRIDAY)
    lenient = source_settings.model_copy(update={"submission_max_age_days": 3650})
    ada, cleo = make_user(db, "ada"), make_user(db, "cleo", role=Role.curator)
    mine = sorted(fixture_ids("2025-10-31"))[:2]
    for arxiv_id, user_id in zip(mine, (ada.id, cleo.id), strict=True):
        with db.write() as session:
            paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
            session.delete(session.scalars(select(DailyEntry).where(DailyEntry.paper_id == paper.id)).one())
            session.flush()
            submit(session, lenient, session.get(User, user_id), paper, now=AFTER_FRIDAY)  # type: ignore[arg-type]
    before = entries(db)
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0008")
        command.upgrade(alembic_config(connection), "head")
    after = entries(db)
    assert after == before
    assert (after[mine[0]][1], after[mine[1]][1]) == ("submitted", "curated")
    assert sum(1 for _, origin in after.values() if origin == "hf") == len(after) - 2
