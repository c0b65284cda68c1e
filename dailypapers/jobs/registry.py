"""Every background job, in one list (each domain contributes its own from its ``tasks.py``)."""

from __future__ import annotations

from dailypapers.accounts import tasks as account_tasks
from dailypapers.digests import tasks as digest_tasks
from dailypapers.ingest import mirror
from dailypapers.jobs.scheduler import Job
from dailypapers.personal import tasks as personal_tasks
from dailypapers.search import tasks as search_tasks
from dailypapers.sources import tasks as source_tasks


def all_jobs() -> list[Job]:
    return [
        *source_tasks.JOBS,
        *mirror.JOBS,
        *search_tasks.JOBS,
        *digest_tasks.JOBS,
        *personal_tasks.JOBS,
        *account_tasks.JOBS,
    ]
