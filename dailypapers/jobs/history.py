"""Each job's last run and last success (the ``job_runs`` table), for ``dailypapers doctor``.

Written after every run that was not skipped, by whichever process ran it, so any process can tell an operator
when a job last ran, whether that worked, and when it last did.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from dailypapers.db import Database, utcnow
from dailypapers.jobs.models import JobRun

REPORT_MAX_CHARS = 2_000

log = logging.getLogger(__name__)


def record_run(db: Database, job: str, status: str, report: str) -> None:
    """Store this run (``status`` "ran" or "failed") as the job's last. Never raises: a database that is down
    must not turn a finished job into a failed one (the failure to record is logged)."""
    try:
        with db.write() as session:
            row = session.get(JobRun, job)
            now = utcnow()
            if row is None:
                row = JobRun(name=job, runs=0)
                session.add(row)
            row.last_run_at, row.last_status = now, status
            row.last_report = report[:REPORT_MAX_CHARS]
            row.runs += 1
            if status == "ran":
                row.last_success_at = now
    except Exception as exc:
        log.warning("could not record the run of job %s: %s", job, exc)


def run_states(db: Database) -> dict[str, JobRun]:
    with db.read() as session:
        return {row.name: row for row in session.scalars(select(JobRun))}
