"""``dailypapers worker``: run background jobs in their own process (for PostgreSQL deployments)."""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Callable
from types import FrameType

import typer

from dailypapers.cli.common import database, fail, out
from dailypapers.config import Settings
from dailypapers.db import utcnow
from dailypapers.jobs.scheduler import JobStatus, Scheduler, run_job, shifted_clock
from dailypapers.ops.logs import configure
from dailypapers.ops.metrics import serve_job_metrics
from dailypapers.wiring import all_jobs


def worker(
    once: bool = typer.Option(False, help="Run every job once, print what each did, and exit (for cron)."),
    job: list[str] = typer.Option([], "--job", help="Only these jobs (repeatable); default all."),
    tick: float = typer.Option(30.0, help="Seconds between checks for due jobs."),
    metrics_port: int = typer.Option(
        0,
        min=0,
        max=65535,
        help="Serve this worker's job metrics (runs, durations) for Prometheus on 127.0.0.1:PORT; 0: off. "
        "Backlogs are on the web's /metrics.",
    ),
    now: str = typer.Option(
        "",
        help="Run the jobs as if the clock read this time (ISO 8601, e.g. 2025-10-29T06:00Z; UTC when no offset "
        "is given), running on from there: which announcement, Hugging Face day and digest are due. For "
        "simulations and tests; stored timestamps and leases keep the real clock.",
    ),
) -> None:
    """Run the scheduler: the daily arXiv harvest and every other job. Several workers may run at once:
    singleton jobs take a lock, so each runs in one place at a time."""
    settings = Settings()
    configure(settings.log_format)
    jobs = [j for j in all_jobs() if not job or j.name in job]
    unknown = set(job) - {j.name for j in all_jobs()}
    if unknown:
        raise fail(f"unknown job(s): {', '.join(sorted(unknown))}", code=2)
    clock = _clock(now)
    db = database(settings)
    try:
        if once:
            failed = False
            for each in jobs:
                result = run_job(each, db, settings, clock)
                out.print(f"{result.job}: {result.status}: {result.report}", markup=False, highlight=False)
                failed = failed or result.status is JobStatus.failed
            if failed:
                raise typer.Exit(1)
            return
        scheduler = Scheduler(db, settings, jobs, tick_seconds=tick, clock=clock)
        if metrics_port:
            serve_job_metrics(metrics_port)

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            scheduler.stop(timeout=0)

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        out.print(f"worker running jobs: {', '.join(j.name for j in jobs)}")
        scheduler.run_forever()
    finally:
        db.dispose()


def _clock(now: str) -> Callable[[], dt.datetime]:
    if not now:
        return utcnow
    try:
        start = dt.datetime.fromisoformat(now.strip())
    except ValueError:
        raise fail(f"--now {now[:40]!r} is not an ISO 8601 time (e.g. 2025-10-29T06:00Z)", code=2) from None
    return shifted_clock(start if start.tzinfo else start.replace(tzinfo=dt.UTC))
