"""The web application factory: no import-time globals, everything hangs off ``app.state``."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from dailypapers import __version__
from dailypapers.accounts import api as accounts_api
from dailypapers.accounts import views as accounts_views
from dailypapers.api import daily_papers as api_daily_papers
from dailypapers.api import search as api_search
from dailypapers.community import api as community_api
from dailypapers.community import claim_views, collection_views, comment_views, profile_views, submit_views
from dailypapers.config import CONFIG_ERRORS, Settings, describe_config_error
from dailypapers.db import Database, database_fault
from dailypapers.digests import views as digest_views
from dailypapers.feeds import views as feed_views
from dailypapers.jobs.registry import all_jobs
from dailypapers.jobs.scheduler import Scheduler
from dailypapers.papers import new_on_arxiv
from dailypapers.papers import views as paper_views
from dailypapers.personal import views as personal_views
from dailypapers.ranking import views as ranking_views
from dailypapers.search import views as search_views
from dailypapers.search.services import SearchEngine
from dailypapers.sources.arxiv_api import ArxivApiSource
from dailypapers.sources.http import SourceClient
from dailypapers.votes import api as votes_api
from dailypapers.votes import views as votes_views
from dailypapers.web.errors import RETRY_AFTER_SECONDS, install_error_handlers
from dailypapers.web.headers import SecurityHeadersMiddleware
from dailypapers.web.page_cache import PageCacheMiddleware, PageStore
from dailypapers.web.params import reject_nul
from dailypapers.web.ratelimit import RateLimiter
from dailypapers.web.security import load_user
from dailypapers.web.static import MemoryStaticFiles
from dailypapers.web.templating import STATIC_DIR, make_templates

# A readiness probe's own deadline: well under a load balancer's usual probe interval of 5-10 s.
READY_TIMEOUT_SECONDS = 2.0


async def healthz(_request: Request) -> Response:
    """Liveness: the process answers. Async and without the database, so it answers while the database or
    the thread pool is stuck (restarting the process would not cure either)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Readiness: the database answers a round trip within READY_TIMEOUT_SECONDS (503 otherwise)."""
    database: Database = request.app.state.db
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            # abandon_on_cancel: a probe gives up at its timeout even when no thread is free to run the ping.
            await anyio.to_thread.run_sync(database.ping, abandon_on_cancel=True)
    except Exception as exc:
        fault = "down" if isinstance(exc, TimeoutError) else database_fault(exc)
        if fault is None:
            raise
        return JSONResponse(
            {"status": f"database {fault}"}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS[fault])}
        )
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, run_scheduler: bool = False
) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when omitted). ``run_scheduler`` (set by
    ``dailypapers serve``) runs background jobs in this process when ``DAILYPAPERS_SCHEDULER`` allows."""
    settings = settings or Settings()
    owns_database = database is None
    db = database or Database.from_settings(settings, web=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Embedded mode: background jobs run in this process unless workers run them. On PostgreSQL they get
        # an engine of their own, without the web's statement timeout; SQLite's writers of one process must
        # share one Database (its in-process write queue).
        scheduler, jobs_db = None, db
        if run_scheduler and settings.scheduler:
            if owns_database and not settings.is_sqlite:
                jobs_db = Database.from_settings(settings)
            scheduler = Scheduler(jobs_db, settings, all_jobs())
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.stop()
        if jobs_db is not db:
            jobs_db.dispose()
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
        # Refuses NUL characters (PostgreSQL's text cannot hold them), then resolves the visitor (session cookie,
        # or bearer token on /api), before any route runs.
        dependencies=[Depends(reject_nul), Depends(load_user)],
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
    app.mount("/static", MemoryStaticFiles(directory=STATIC_DIR), name="static")
    # Starlette routes, not FastAPI ones: the app-wide dependencies (the visitor's lookup) do not run for them.
    app.add_route("/healthz", healthz, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_route("/readyz", readyz, methods=["GET", "HEAD"], include_in_schema=False)
    # Order matters. Listings first (most requests; routes are matched in order); the API and feeds before the
    # catch-alls /api/papers/{paper_id:path} and /papers/{arxiv_id:path}, which come last.
    app.include_router(paper_views.router)
    app.include_router(new_on_arxiv.router)  # /papers/new before /papers/{arxiv_id:path}
    app.include_router(new_on_arxiv.api_router)  # before /api/papers/{paper_id:path}
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
    app.state.page_cache = PageStore(settings.page_cache_seconds, settings.page_cache_max_bytes)
    # The routes tell the cache which query parameters each page reads (the rest never reach its key).
    app.add_middleware(PageCacheMiddleware, store=app.state.page_cache, routes=app.router.routes)
    # Added last, so outermost: cached pages, static files and error pages get the headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def create_served_app() -> FastAPI:
    """The app of one ``dailypapers serve --workers N`` process (settings from the environment). Also the
    factory for running uvicorn directly, so a wrong setting ends in one line each, not a traceback."""
    try:
        settings = Settings()
    except CONFIG_ERRORS as exc:
        for line in describe_config_error(exc):
            print(f"error: {line}", file=sys.stderr)
        raise SystemExit(2) from None
    return create_app(settings, run_scheduler=True)
