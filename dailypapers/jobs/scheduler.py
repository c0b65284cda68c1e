"""The job scheduler: runs each registered job every ``interval_seconds``, in ``serve`` or in ``worker``.

Jobs derive what to do from database state (a checkpoint older than the last arXiv announcement, papers without
vectors, …), so running one more often than needed does nothing, and a missed run is caught up by the next.
Singleton jobs take a named lock first, so any number of processes can run the scheduler safely.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.jobs.history import record_run
from dailypapers.jobs.locks import singleton
from dailypapers.jobs.metrics import record_job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    db: Database
    settings: Settings
    renew: Callable[[], None]
    # The jobs' "now" (announcements due, days closed, digests due). Injectable so a simulation can run the
    # scheduler a week ahead (``worker --now``); database timestamps and leases keep the real clock.
    clock: Callable[[], dt.datetime] = utcnow


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[JobContext], str]  # returns a one-line report
    singleton: bool = True
    # Errors this job expects now and then (a source is down): logged as one line, without a traceback. The
    # job declares them, so the scheduler names no domain.
    expected_failures: tuple[type[Exception], ...] = ()
    # How much work is waiting (e.g. papers not enriched yet), for ``dailypapers doctor``; None: not measured.
    backlog: Callable[[Database, Settings], int] | None = None


class JobStatus(StrEnum):
    ran = "ran"
    skipped = "skipped"  # another process holds the job's lock
    failed = "failed"


@dataclass
class JobResult:
    job: str
    status: JobStatus
    report: str


def run_job(job: Job, db: Database, settings: Settings, clock: Callable[[], dt.datetime] = utcnow) -> JobResult:
    """Run ``job`` once now (the CLI's inline mode uses this too); never raises. Counted in /metrics."""
    started = time.monotonic()
    result = _run_job(job, db, settings, clock)
    record_job(job.name, result.status, time.monotonic() - started)
    if result.status is not JobStatus.skipped:
        record_run(db, result.job, result.status.value, result.report)
    return result


def _run_job(job: Job, db: Database, settings: Settings, clock: Callable[[], dt.datetime]) -> JobResult:
    try:
        return _run(job, db, settings, clock)
    except job.expected_failures as exc:
        log.warning("job %s failed: %s", job.name, exc)
        return JobResult(job.name, JobStatus.failed, f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        log.exception("job %s failed", job.name)
        return JobResult(job.name, JobStatus.failed, f"{type(exc).__name__}: {exc}")


def _run(job: Job, db: Database, settings: Settings, clock: Callable[[], dt.datetime]) -> JobResult:
    if not job.singleton:
        return JobResult(job.name, JobStatus.ran, job.run(JobContext(db, settings, lambda: None, clock)))
    with singleton(db, f"job:{job.name}") as lease:
        if lease is None:
            return JobResult(job.name, JobStatus.skipped, "another process is running it")
        return JobResult(job.name, JobStatus.ran, job.run(JobContext(db, settings, lease.renew, clock)))


def shifted_clock(start: dt.datetime) -> Callable[[], dt.datetime]:
    """A clock that reads ``start`` now and runs on in real time from there (``worker --now``)."""
    offset = start - utcnow()
    return lambda: utcnow() + offset


class Scheduler:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        jobs: list[Job],
        tick_seconds: float = 30.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self.jobs = jobs
        self.tick_seconds = tick_seconds
        self.clock = clock
        self._next_run: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_pending(self, now: float | None = None) -> list[JobResult]:
        now = time.monotonic() if now is None else now
        results = []
        for job in self.jobs:
            if self._next_run.get(job.name, 0.0) <= now:
                result = run_job(job, self.db, self.settings, self.clock)
                if result.status != "failed":  # run_job has logged the failure already: one line per run
                    log.info("job %s %s: %s", job.name, result.status, result.report)
                results.append(result)
                self._next_run[job.name] = now + job.interval_seconds
        return results

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self.run_pending()
            self._stop.wait(self.tick_seconds)

    def start(self) -> None:
        """Run in a daemon thread (embedded mode, inside ``serve``)."""
        self._thread = threading.Thread(target=self.run_forever, name="dailypapers-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
