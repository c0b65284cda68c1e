"""The composition root: the path convertors, every router (in the order the app matches them) and every
background job.

``create_app`` (so ``dailypapers serve``) registers ``CONVERTORS`` and includes ``routers()``; ``serve`` and
``worker`` run ``all_jobs()``. Only entry points import this package; the packages it names never do.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.convertors import Convertor

from dailypapers.accounts import tasks as account_tasks
from dailypapers.digests import tasks as digest_tasks
from dailypapers.ingest import mirror
from dailypapers.ingest import tasks as ingest_tasks
from dailypapers.jobs.scheduler import Job
from dailypapers.papers.ids import ARXIV_ID_PATH_REGEX
from dailypapers.papers.periods import PeriodKind
from dailypapers.personal import tasks as personal_tasks
from dailypapers.search import tasks as search_tasks
from dailypapers.web.convertors import choice_convertor, pattern_convertor, register_convertors
from dailypapers.webhooks import tasks as webhook_tasks

CONVERTORS: dict[str, Convertor[str]] = {
    # {kind:period}: date, week or month, so /papers/hep-th/9901001 stays a paper's address.
    "period": choice_convertor(kind.value for kind in PeriodKind),
    # {arxiv_id:arxiv_id}: a paper's id with or without version, new or old style (it spans a "/"), so the
    # paper routes match only ids and no longer need to come after /papers/submit, /papers/trending, ...
    "arxiv_id": pattern_convertor(ARXIV_ID_PATH_REGEX),
}


def routers() -> tuple[APIRouter, ...]:
    """Every router, in order; registers the convertors first, since the routers' paths name them."""
    register_convertors(CONVERTORS)
    # Imported here, not at the top: the routes' paths compile when their modules load, which needs the
    # convertors above (a top-level import would make registering them an import-time side effect).
    from dailypapers.wiring.routes import ROUTERS

    return ROUTERS


def all_jobs() -> list[Job]:
    """Every background job (each domain declares its own in its ``tasks.py``)."""
    return [
        *ingest_tasks.JOBS,
        *mirror.JOBS,
        *search_tasks.JOBS,
        *digest_tasks.JOBS,
        *webhook_tasks.JOBS,
        *personal_tasks.JOBS,
        *account_tasks.JOBS,
    ]
