"""``GET /readyz``: can this process serve? The database answers, its schema is at the code's migration head,
and Redis answers when DAILYPAPERS_REDIS_URL is set. ``/healthz`` (the process is up) stays in app.py."""

from __future__ import annotations

from functools import cache

import anyio
import anyio.to_thread
import redis
from alembic.runtime.migration import MigrationContext
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from dailypapers.config import Settings
from dailypapers.db import Database, database_fault
from dailypapers.migrations import head_revision
from dailypapers.web.errors import RETRY_AFTER_SECONDS
from dailypapers.web.shared_state import ping_redis

# A readiness probe's own deadline: well under a load balancer's usual probe interval of 5-10 s.
READY_TIMEOUT_SECONDS = 2.0


@cache
def _head() -> str | None:
    """The code's migration head, read once (the migration scripts do not change while the process runs)."""
    return head_revision()


def schema_revision(database: Database) -> str | None:
    """The database's migration revision, over the site's own pool (a round trip, like a ping)."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _not_ready(status: str, retry_after: int) -> Response:
    return JSONResponse({"status": status}, status_code=503, headers={"Retry-After": str(retry_after)})


async def readyz(request: Request) -> Response:
    """200 ``{"status": "ok"}``, or 503 naming what is wrong (``database down``, ``migrations pending``, ...)."""
    database: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            # abandon_on_cancel: a probe gives up at its timeout even when no thread is free to run the check.
            revision = await anyio.to_thread.run_sync(schema_revision, database, abandon_on_cancel=True)
    except Exception as exc:
        fault = "down" if isinstance(exc, TimeoutError) else database_fault(exc)
        if fault is None:
            raise
        return _not_ready(f"database {fault}", RETRY_AFTER_SECONDS[fault])
    head = _head()
    if revision != head:
        # Code newer (or older) than the schema: `dailypapers db upgrade` first (docs/deploy.md, upgrading).
        return _not_ready(f"migrations pending (database at {revision or 'none'}, code at {head})", 30)
    if settings.redis_url:
        try:
            with anyio.fail_after(READY_TIMEOUT_SECONDS):
                await anyio.to_thread.run_sync(ping_redis, settings, abandon_on_cancel=True)
        except (TimeoutError, redis.RedisError, OSError):
            return _not_ready("redis down", RETRY_AFTER_SECONDS["down"])
    return JSONResponse({"status": "ok"})
