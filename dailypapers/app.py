"""The web application factory: no import-time globals, everything hangs off ``app.state``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from dailypapers import __version__
from dailypapers.accounts import api as accounts_api
from dailypapers.accounts import views as accounts_views
from dailypapers.api import daily_papers as api_daily_papers
from dailypapers.api import search as api_search
from dailypapers.community import api as community_api
from dailypapers.community import claim_views, collection_views, comment_views, profile_views, submit_views
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.digests import views as digest_views
from dailypapers.feeds import views as feed_views
from dailypapers.jobs.registry import all_jobs
from dailypapers.jobs.scheduler import Scheduler
from dailypapers.papers import views as paper_views
from dailypapers.personal import views as personal_views
from dailypapers.ranking import views as ranking_views
from dailypapers.search import views as search_views
from dailypapers.search.services import SearchEngine
from dailypapers.sources.arxiv_api import ArxivApiSource
from dailypapers.sources.http import SourceClient
from dailypapers.votes import api as votes_api
from dailypapers.votes import views as votes_views
from dailypapers.web.errors import install_error_handlers
from dailypapers.web.page_cache import PageCacheMiddleware, PageStore
from dailypapers.web.ratelimit import RateLimiter
from dailypapers.web.security import load_user
from dailypapers.web.templating import STATIC_DIR, make_templates


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, run_scheduler: bool = False
) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when omitted). ``run_scheduler`` (set by
    ``dailypapers serve``) runs background jobs in this process when ``DAILYPAPERS_SCHEDULER`` allows."""
    settings = settings or Settings()
    owns_database = database is None
    db = database or Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Embedded mode: background jobs run in this process unless workers run them.
        scheduler = Scheduler(db, settings, all_jobs()) if run_scheduler and settings.scheduler else None
        if scheduler is not None:
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.stop()
        _app.state.search.close()
        _app.state.arxiv_lookup.close()
        if owns_database:
            db.dispose()

    app = FastAPI(
        title=settings.site_name,
        version=__version__,
        description="Daily research papers. The `/api` routes are compatible with huggingface.co's papers API.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        # Resolves the visitor (session cookie, or bearer token on /api) before any route runs.
        dependencies=[Depends(load_user)],
    )
    app.state.settings = settings
    app.state.db = db
    app.state.templates = make_templates(settings)
    app.state.search = SearchEngine(db, settings)
    app.state.rate_limiter = RateLimiter(settings)
    # Looks up submitted papers; one per process so arXiv's politeness interval holds across requests.
    app.state.arxiv_lookup = ArxivApiSource(
        settings, SourceClient(settings, min_interval_seconds=settings.arxiv_delay_seconds, attempts=2)
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Order matters. Listings first (most requests; routes are matched in order); the API and feeds before the
    # catch-alls /api/papers/{paper_id:path} and /papers/{arxiv_id:path}, which come last.
    app.include_router(paper_views.router)
    app.include_router(accounts_views.router)
    app.include_router(accounts_api.router)
    app.include_router(votes_views.router)
    app.include_router(votes_api.router)  # before /api/papers/{paper_id:path}
    app.include_router(community_api.router)  # before /api/papers/{paper_id:path}
    app.include_router(submit_views.router)  # /papers/submit before /papers/{arxiv_id:path}
    app.include_router(comment_views.router)
    app.include_router(claim_views.router)
    app.include_router(collection_views.router)
    app.include_router(profile_views.router)
    app.include_router(digest_views.router)
    app.include_router(personal_views.router)
    app.include_router(personal_views.api_router)
    app.include_router(ranking_views.router)  # /papers/trending before /papers/{arxiv_id:path}
    app.include_router(api_search.router)  # before /api/papers/{paper_id:path}
    app.include_router(api_daily_papers.router)
    app.include_router(feed_views.router)
    app.include_router(search_views.router)
    app.include_router(paper_views.paper_router)
    install_error_handlers(app)
    app.state.page_cache = PageStore(settings.page_cache_seconds)
    app.add_middleware(PageCacheMiddleware, store=app.state.page_cache)
    return app


def create_served_app() -> FastAPI:
    """The app of one ``dailypapers serve --workers N`` process (settings from the environment)."""
    return create_app(Settings(), run_scheduler=True)
