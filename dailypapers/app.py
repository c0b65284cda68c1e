"""The web application factory: no import-time globals, everything hangs off ``app.state``."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from dailypapers import __version__
from dailypapers.accounts.auth import load_user
from dailypapers.config import CONFIG_ERRORS, Settings, describe_config_error
from dailypapers.db import Database
from dailypapers.jobs.scheduler import Scheduler
from dailypapers.mcp import server as mcp_server
from dailypapers.mcp.state import McpState, http_principal
from dailypapers.ops import health as ops_health
from dailypapers.ops import metrics as ops_metrics
from dailypapers.ops.observe import ObservabilityMiddleware
from dailypapers.search.services import SearchEngine
from dailypapers.sources.arxiv_api import ArxivApiSource
from dailypapers.sources.http import SourceClient
from dailypapers.web.errors import install_error_handlers
from dailypapers.web.headers import SecurityHeadersMiddleware
from dailypapers.web.page_cache import PageCacheMiddleware, PageStore
from dailypapers.web.params import reject_nul
from dailypapers.web.ratelimit import RateLimiter
from dailypapers.web.static import MemoryStaticFiles
from dailypapers.web.templating import STATIC_DIR, make_templates
from dailypapers.wiring import all_jobs, routers


async def healthz(_request: Request) -> Response:
    """Liveness: the process answers. Async and without the database, so it answers while the database or
    the thread pool is stuck (restarting the process would not cure either)."""
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
        # Loads the vectors, then keeps them current in a thread of its own: requests only read them.
        await anyio.to_thread.run_sync(_app.state.search.start)
        async with _app.state.mcp.run():
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
    # MCP over streamable HTTP (bearer API token); the tools share this app's database and search engine.
    app.state.mcp = mcp_server.mount(app, McpState(db, settings, app.state.search, http_principal))
    # Starlette routes, not FastAPI ones: the app-wide dependencies (the visitor's lookup) do not run for them.
    app.add_route("/healthz", healthz, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_route("/readyz", ops_health.readyz, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_route("/metrics", ops_metrics.metrics, methods=["GET"], include_in_schema=False)
    # In wiring.py's order (the catch-alls /api/papers/{paper_id:path} and /papers/{arxiv_id:path} last).
    for router in routers():
        app.include_router(router)
    install_error_handlers(app)
    app.state.page_cache = PageStore(settings.page_cache_seconds, settings.page_cache_max_bytes)
    # The routes tell the cache which query parameters each page reads (the rest never reach its key).
    app.add_middleware(PageCacheMiddleware, store=app.state.page_cache, routes=app.router.routes)
    # Added last, so outermost: cached pages, static files and error pages get the headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost of all: the request id and latency cover cached pages and the security headers too.
    app.add_middleware(
        ObservabilityMiddleware, routes=app.router.routes, access_log_lines=settings.log_format == "json"
    )
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
