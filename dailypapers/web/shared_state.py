"""State that must agree across web processes and hosts: with DAILYPAPERS_REDIS_URL it lives in Redis.

Only the rate-limit counters need it today (a login limit of 5/min must not become 5 x N/min with N
processes). The page cache stays per process on purpose: it holds pages for seconds, and a shared one would
cost a network round trip per page to save a few renders.
"""

from __future__ import annotations

import logging
from typing import Any

import redis

from dailypapers.config import Settings

log = logging.getLogger(__name__)

# A Redis that stops answering must cost a request seconds (then a 503), not the default of no timeout at all.
REDIS_TIMEOUT_SECONDS = 2.0
DEFAULT_RATE_LIMIT_STORAGE = "memory://"


def rate_limit_storage(settings: Settings) -> tuple[str, dict[str, Any]]:
    """The ``limits`` storage URI and its options: DAILYPAPERS_REDIS_URL unless an operator chose another
    shared store explicitly in DAILYPAPERS_RATE_LIMIT_STORAGE."""
    uri = settings.rate_limit_storage
    if uri == DEFAULT_RATE_LIMIT_STORAGE and settings.redis_url:
        uri = settings.redis_url
    if not uri.startswith(("redis://", "rediss://", "redis+unix://")):
        return uri, {}
    options: dict[str, Any] = {
        "key_prefix": f"{settings.redis_key_prefix}:limits",
        # A Redis outage becomes limits' StorageError, which the site answers with a 503 (web/ratelimit.py).
        "wrap_exceptions": True,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    }
    return uri, options


def limits_are_per_process(settings: Settings) -> bool:
    return rate_limit_storage(settings)[0].startswith("memory://")


def warn_if_per_process(settings: Settings, workers: int) -> bool:
    """Log one warning when counters stay per process although several processes serve: ``serve --workers N``,
    or PostgreSQL (which exists to be shared by several hosts). Called once, by the parent process."""
    if not limits_are_per_process(settings) or (workers <= 1 and settings.is_sqlite):
        return False
    why = f"{workers} web processes" if workers > 1 else "PostgreSQL (several hosts may serve)"
    log.warning(
        "rate limits are per process: with %s a limit of 5/minute allows 5/minute per process; "
        "set DAILYPAPERS_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to share them",
        why,
    )
    return True


def redis_client(settings: Settings) -> redis.Redis:
    """A client for DAILYPAPERS_REDIS_URL (health checks, doctor); the caller closes it."""
    return redis.Redis.from_url(
        settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


def ping_redis(settings: Settings) -> None:
    """Raise ``redis.RedisError`` unless DAILYPAPERS_REDIS_URL answers a PING."""
    client = redis_client(settings)
    try:
        client.ping()
    finally:
        client.close()
