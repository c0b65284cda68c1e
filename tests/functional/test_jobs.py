"""Scheduled harvest, singleton locks and the worker, on SQLite and PostgreSQL."""

import datetime as dt
import socket
import subprocess
import sys
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from dailypapers.app import create_app
from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.ingest.models import HarvestCheckpoint
from dailypapers.ingest.tasks import STATE_KEY, run_arxiv_daily
from dailypapers.jobs.locks import _advisory_key, singleton
from dailypapers.jobs.models import JobLease
from dailypapers.jobs.scheduler import Job, JobContext, JobStatus, Scheduler, run_job
from dailypapers.papers.models import Paper
from dailypapers.sources.arxiv_oai import MetadataFormat, parse_list_records
from dailypapers.sources.http import SourceError
from dailypapers.wiring import all_jobs
from tests.replay import BULK_PAGES, ReplayServer, bulk_page

runner = CliRunner()
FRIDAY_NIGHT = dt.datetime(2025, 10, 31, 23, 0, tzinfo=dt.UTC)  # after Thursday's 20:00 ET announcement


def test_singleton_lock_excludes_a_second_holder(db: Database) -> None:
    with singleton(db, "job:x") as first:
        assert first is not None
        result: list[bool] = []
        thread = threading.Thread(target=lambda: result.append(_try(db)))
        thread.start()
        thread.join()
        assert result == [False]
    with singleton(db, "job:x") as again:
        assert again is not None


def _try(db: Database) -> bool:
    with singleton(db, "job:x") as lease:
        return lease is not None


@pytest.mark.sqlite_only
def test_an_expired_sqlite_lease_can_be_taken_over(db: Database) -> None:
    with db.write() as session:
        session.add(JobLease(name="job:y", holder="dead-host:9", expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    with singleton(db, "job:y") as lease:
        assert lease is not None
        lease.renew()


def test_a_dead_holders_lock_is_free_again(db: Database, settings: Settings) -> None:
    """The holder dies without releasing (kill -9 of a worker): the next one gets the lock at once, not after the
    lease. SQLite: the lease row names a process of this machine that is gone. PostgreSQL: the server drops the
    advisory lock with the dead holder's session (terminated here, as the server does when its client vanishes)."""
    holder_process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    if settings.is_sqlite:
        holder = f"{socket.gethostname()}:{holder_process.pid}:1"
        with db.write() as session:
            session.add(JobLease(name="job:z", holder=holder, expires_at=utcnow() + dt.timedelta(hours=1)))
    else:
        holder_connection = db.engine.connect()
        holder_connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _advisory_key("job:z")})
        holder_connection.commit()
        holder_pid = holder_connection.execute(text("SELECT pg_backend_pid()")).scalar()
        holder_connection.commit()
    with singleton(db, "job:z") as blocked:
        assert blocked is None  # while the holder lives, nobody else gets the lock
    holder_process.kill()
    holder_process.wait()
    if not settings.is_sqlite:
        with db.engine.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder_pid}).scalar() is True
            admin.commit()
            # The signal is asynchronous: wait until the server has ended that session (and so its locks).
            deadline = time.monotonic() + 30
            alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            while admin.execute(alive, {"pid": holder_pid}).scalar():
                admin.commit()
                assert time.monotonic() < deadline, "the terminated session did not end"
                time.sleep(0.02)
        holder_connection.invalidate()
        holder_connection.close()
    with singleton(db, "job:z") as lease:
        assert lease is not None


def _ctx(db: Database, settings: Settings) -> JobContext:
    return JobContext(db, settings, renew=lambda: None)


def test_daily_harvest_runs_once_per_announcement(
    source_settings: Settings, db: Database, replay: ReplayServer
) -> None:
    replay.records_per_page = 100
    settings = source_settings.model_copy(update={"harvest_categories": "hep-ph hep-th"})
    report = run_arxiv_daily(_ctx(db, settings), now=FRIDAY_NIGHT)
    assert "harvested from 2025-10-27" in report
    oai = [q for route, q in replay.requests if route == "oai" and "resumptionToken" not in q]
    assert [q["set"] for q in oai] == ["physics:hep-ph", "physics:hep-th"]
    assert all(q["from"] == "2025-10-27" for q in oai)
    with db.read() as session:
        categories = session.scalars(select(Paper.categories)).all()
        state = session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY))
    assert categories and all({"hep-ph", "hep-th"} & set(c.split()) for c in categories)
    assert state is not None and state.params["covered"] == "2025-10-31T00:00:00+00:00"
    requests = len(replay.requests)
    assert "up to date" in run_arxiv_daily(_ctx(db, settings), now=FRIDAY_NIGHT + dt.timedelta(hours=20))
    assert len(replay.requests) == requests
    # Monday night: Sunday's announcement is due; it starts a day before the last covered one.
    report = run_arxiv_daily(_ctx(db, settings), now=dt.datetime(2025, 11, 4, 2, 0, tzinfo=dt.UTC))
    assert "harvested from 2025-10-30" in report


def test_no_categories_means_no_harvest(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    settings = source_settings.model_copy(update={"harvest_categories": ""})
    assert "nothing to harvest" in run_arxiv_daily(_ctx(db, settings))
    assert replay.requests == []


def test_two_workers_never_run_the_same_harvest(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    replay.records_per_page = 100
    replay.page_delay_seconds = 0.1
    settings = source_settings.model_copy(update={"harvest_categories": "hep-ph"})
    started = threading.Barrier(2)

    def harvest(ctx: JobContext) -> str:
        return run_arxiv_daily(ctx, now=FRIDAY_NIGHT)

    job = Job("arxiv-daily", 60, harvest)
    results = []

    def worker() -> None:
        started.wait()
        results.append(run_job(job, db, settings))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status for r in results)
    assert statuses == ["ran", "skipped"], results
    assert replay.count("oai") == 10  # one harvest's pages, not two


def test_failures_are_reported_not_raised(db: Database, settings: Settings) -> None:
    def broken(_ctx: JobContext) -> str:
        raise RuntimeError("boom")

    result = run_job(Job("broken", 1, broken), db, settings)
    assert (result.status, result.report) == ("failed", "RuntimeError: boom")


def test_expected_failures_are_one_log_line_without_traceback(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # A job declares the errors it expects now and then (the harvest: a source that is down); the scheduler
    # names none itself. Those log one warning line; anything else logs its traceback.
    def down(_ctx: JobContext) -> str:
        raise ConnectionError("source down")

    expected = run_job(Job("down", 1, down, singleton=False, expected_failures=(ConnectionError,)), db, settings)
    unexpected = run_job(Job("down", 1, down, singleton=False), db, settings)
    assert expected.status == unexpected.status == JobStatus.failed
    assert expected.report == unexpected.report == "ConnectionError: source down"
    expected_record, unexpected_record = [r for r in caplog.records if r.name == "dailypapers.jobs.scheduler"]
    assert (expected_record.levelname, expected_record.exc_info) == ("WARNING", None)
    assert unexpected_record.levelname == "ERROR"
    assert unexpected_record.exc_info is not None


def test_the_harvest_job_expects_source_errors() -> None:
    (job,) = [j for j in all_jobs() if j.name == "arxiv-daily"]
    assert SourceError in job.expected_failures


def test_scheduler_runs_due_jobs_at_their_interval(db: Database, settings: Settings) -> None:
    runs: list[int] = []
    scheduler = Scheduler(db, settings, [Job("count", 100, lambda _ctx: str(runs.append(1)), singleton=False)])
    scheduler.run_pending(now=1000)
    scheduler.run_pending(now=1050)
    scheduler.run_pending(now=1100)
    assert len(runs) == 2


def test_worker_once_from_the_cli(
    source_settings: Settings, db: Database, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.records_per_page = 10
    monkeypatch.setenv("DAILYPAPERS_HARVEST_CATEGORIES", "math.GT")
    result = runner.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "arxiv-daily: ran: harvested from" in result.output
    # Exactly the math.GT papers of the replayed pages (computed from the fixture, not hard-coded).
    expected = {
        r.arxiv_id
        for index in range(BULK_PAGES)
        for r in parse_list_records(bulk_page(index, 10), f"page {index}", MetadataFormat.arxiv).records
        if "math.GT" in (r.categories or ())
    }
    assert expected, "the fixture must hold a math.GT paper for this test to mean anything"
    with db.read() as session:
        assert set(session.scalars(select(Paper.arxiv_id))) == expected
    unknown = runner.invoke(cli, ["worker", "--once", "--job", "nope"])
    assert unknown.exit_code == 2 and "unknown job(s): nope" in unknown.output


def _scheduler_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "dailypapers-scheduler" and t.is_alive()}


def test_serve_runs_the_scheduler_in_process(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    replay.records_per_page = 10
    settings = source_settings.model_copy(update={"harvest_categories": "hep-ph", "scheduler": True})
    before = _scheduler_threads()
    with TestClient(create_app(settings, db, run_scheduler=True)):
        assert len(_scheduler_threads() - before) == 1
        deadline = time.monotonic() + 30
        while replay.count("oai") < 10:
            assert time.monotonic() < deadline, "the embedded scheduler did not harvest"
            time.sleep(0.05)
    with db.read() as session:
        assert (session.scalar(select(func.count()).select_from(Paper)) or 0) > 0
    # With DAILYPAPERS_SCHEDULER off, the lifespan (which starts the scheduler before serving) has run once the
    # client is open: no scheduler thread means nothing can harvest, however long one waits.
    without = settings.model_copy(update={"scheduler": False})
    before = _scheduler_threads()
    requests = replay.count("oai")
    with TestClient(create_app(without, db, run_scheduler=True)):
        assert _scheduler_threads() - before == set()
    assert replay.count("oai") == requests
