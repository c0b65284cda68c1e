"""Rate limits (the ``limits`` library) on the forms strangers can abuse: log-in, sign-up, reset, submit and
comment. Exceeding one answers 429 with ``Retry-After``; nothing else about the request is processed.

Counters live in ``DAILYPAPERS_REDIS_URL`` when set (shared by every process and host; ops/shared.py), else in
``DAILYPAPERS_RATE_LIMIT_STORAGE`` (per process in memory by default). Redis down: 503, never unlimited.
Client addresses come from the connection. Behind a reverse proxy, list it in
``DAILYPAPERS_TRUSTED_PROXIES``: ``dailypapers serve`` then lets uvicorn take the visitor's address from
``X-Forwarded-For`` sent by that proxy only (cli/serve_cmd.py); from anyone else the header is ignored.
"""

from __future__ import annotations

import logging
import math
import time

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse_many, storage, strategies
from limits.errors import StorageError

from dailypapers.config import Settings
from dailypapers.web.shared_state import rate_limit_storage

log = logging.getLogger(__name__)

# Settings fields holding each action's limits.
ACTIONS = ("login", "signup", "reset", "submit", "comment", "subscribe")


class RateLimited(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"Too many attempts. Try again in {retry_after_seconds} seconds.")
        self.retry_after_seconds = retry_after_seconds


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        uri, options = rate_limit_storage(settings)
        self.strategy = strategies.MovingWindowRateLimiter(storage.storage_from_string(uri, **options))
        self.items: dict[str, list[RateLimitItem]] = {
            action: parse_many(getattr(settings, f"rate_limit_{action}")) for action in ACTIONS
        }

    def hit(self, action: str, *key: str) -> None:
        """Count one ``action`` by ``key`` (an address, a user id) or raise ``RateLimited`` without counting."""
        try:
            self._hit(self.items[action], action, *key)
        except StorageError as exc:
            # The shared store (Redis) is down: refuse the action rather than let it through unlimited.
            log.warning("rate-limit storage unavailable: %s", exc)
            raise HTTPException(
                503, "Rate limiting is unavailable; try again in a moment.", headers={"Retry-After": "5"}
            ) from None

    def _hit(self, items: list[RateLimitItem], action: str, *key: str) -> None:
        for item in items:
            if not self.strategy.test(item, action, *key):
                reset_at = self.strategy.get_window_stats(item, action, *key).reset_time
                raise RateLimited(max(1, math.ceil(reset_at - time.time())))
        for item in items:
            # hit() is atomic in Redis (and refuses past the limit): two processes passing test() at once cannot
            # both take the last slot.
            if not self.strategy.hit(item, action, *key):
                reset_at = self.strategy.get_window_stats(item, action, *key).reset_time
                raise RateLimited(max(1, math.ceil(reset_at - time.time())))

    def reset(self) -> None:
        self.strategy.storage.reset()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit(request: Request, action: str, *key: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.hit(action, *key)
