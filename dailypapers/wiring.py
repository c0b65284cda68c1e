"""The composition root: every router, in the order the app matches them, and every background job.

``create_app`` (so ``dailypapers serve``) includes ``ROUTERS``; ``serve`` and ``worker`` run ``all_jobs()``.
Only entry points import this module; the packages it names never do, so nothing below it needs to know the
whole app. Route order only matters for pages that share a prefix (listings first: most requests hit them).
"""

from __future__ import annotations

from fastapi import APIRouter

from dailypapers.accounts import api as accounts_api
from dailypapers.accounts import tasks as account_tasks
from dailypapers.accounts import views as accounts_views
from dailypapers.api import daily_papers as api_daily_papers
from dailypapers.api import search as api_search
from dailypapers.community import api as community_api
from dailypapers.community import claim_views, collection_views, comment_views, profile_views, submit_views
from dailypapers.digests import tasks as digest_tasks
from dailypapers.digests import views as digest_views
from dailypapers.feeds import views as feed_views
from dailypapers.jobs.scheduler import Job
from dailypapers.papers import views as paper_views
from dailypapers.personal import tasks as personal_tasks
from dailypapers.personal import views as personal_views
from dailypapers.ranking import views as ranking_views
from dailypapers.search import tasks as search_tasks
from dailypapers.search import views as search_views
from dailypapers.sources import tasks as source_tasks
from dailypapers.votes import api as votes_api
from dailypapers.votes import views as votes_views

# Today's order, kept as it was: the catch-alls /api/papers/{paper_id:path} and /papers/{arxiv_id:path} come
# last, after every route that shares their prefix.
ROUTERS: tuple[APIRouter, ...] = (
    paper_views.router,
    accounts_views.router,
    accounts_api.router,
    votes_views.router,
    votes_api.router,  # before /api/papers/{paper_id:path}
    community_api.router,  # before /api/papers/{paper_id:path}
    submit_views.router,  # /papers/submit before /papers/{arxiv_id:path}
    comment_views.router,
    claim_views.router,
    collection_views.router,
    profile_views.router,
    digest_views.router,
    personal_views.router,
    personal_views.api_router,
    ranking_views.router,  # /papers/trending before /papers/{arxiv_id:path}
    api_search.router,  # before /api/papers/{paper_id:path}
    api_daily_papers.router,
    feed_views.router,
    search_views.router,
    paper_views.paper_router,
)


def all_jobs() -> list[Job]:
    """Every background job (each domain declares its own in its ``tasks.py``)."""
    return [
        *source_tasks.JOBS,
        *search_tasks.JOBS,
        *digest_tasks.JOBS,
        *personal_tasks.JOBS,
        *account_tasks.JOBS,
    ]
