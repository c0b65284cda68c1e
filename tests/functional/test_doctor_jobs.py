"""`dailypapers doctor` shows each job's state (issue #13 item 6): last run and how it ended, last success, and
the enrichment backlog, from the runs any process recorded; on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from typer.testing import CliRunner

from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich import JOBS
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.jobs.scheduler import JobStatus, run_job
from dailypapers.wiring import all_jobs
from tests.conftest import _free_port
from tests.enrich_replay import EnrichReplay
from tests.enrich_support import enrich_server, enrich_settings, store_papers
from tests.functional.test_doctor import lines_of

__all__ = ["enrich_server"]  # the fixture, imported for pytest
runner = CliRunner()


def test_doctor_shows_last_run_last_success_and_backlog(
    env_settings: Settings, db: Database, enrich_server: EnrichReplay
) -> None:
    now = dt.datetime.now(dt.UTC)
    store_papers(db, now.date(), now - dt.timedelta(days=1))
    checks = lines_of(runner.invoke(cli, ["doctor"]).output)
    assert checks["job enrich"] == "ok job enrich: never run, backlog 8"
    assert {f"job {job.name}" for job in all_jobs()} <= set(checks)

    assert run_job(JOBS[0], db, enrich_settings(env_settings, enrich_server)).status is JobStatus.ran
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    line = lines_of(result.output)["job enrich"]
    assert line.startswith("ok job enrich: last run ") and "(ran), last success " in line
    assert line.endswith("backlog 0")

    # A failed run (the sources unreachable) is a warning that says why, and the last success stays.
    dead = f"http://127.0.0.1:{_free_port()}"
    offline = env_settings.model_copy(update={"github_api_url": dead, "hf_url": dead})
    store_papers(db, now.date(), now - dt.timedelta(days=1))  # the same papers: nothing new to read
    with db.write() as session:  # due again: a week-old reading
        session.execute(update(PaperEnrichment).values(github_checked_at=now - dt.timedelta(days=8)))
    assert run_job(JOBS[0], db, offline).status is JobStatus.failed
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    failed = lines_of(result.output)["job enrich"]
    assert failed.startswith("warn job enrich: last run ") and "(failed), last success " in failed
    assert "GitHub failed: cannot reach" in failed and "it retries by itself" in failed
    assert line.split("last success ")[1][:16] == failed.split("last success ")[1][:16]
