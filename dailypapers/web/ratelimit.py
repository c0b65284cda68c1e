"""Rate limits (the ``limits`` library) on the forms strangers can abuse: log-in, sign-up, reset, submit and
comment. Exceeding one answers 429 with ``Retry-After``; nothing else about the request is processed.

Counters live in ``DAILYPAPERS_RATE_LIMIT_STORAGE`` (per process in memory by default; Redis to share them
between processes). Client addresses come from the connection. Behind a reverse proxy, list it in
``DAILYPAPERS_TRUSTED_PROXIES``: ``dailypapers serve`` then lets uvicorn take the visitor's address from
``X-Forwarded-For`` sent by that proxy only (cli/serve_cmd.py); from anyone else the header is ignored.
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many, storage, strategies

from dailypapers.config import Settings

# Settings fields holding each action's limits.
ACTIONS = ("login", "signup", "reset", "submit", "comment", "subscribe")


class RateLimited(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"Too many attempts. Try again in {retry_after_seconds} seconds.")
        self.retry_after_seconds = retry_after_seconds


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.strategy = strategies.MovingWindowRateLimiter(storage.storage_from_string(settings.rate_limit_storage))
        self.items: dict[str, list[RateLimitItem]] = {
            action: parse_many(getattr(settings, f"rate_limit_{action}")) for action in ACTIONS
        }

    def hit(self, action: str, *key: str) -> None:
        """Count one ``action`` by ``key`` (an address, a user id) or raise ``RateLimited`` without counting."""
        items = self.items[action]
        for item in items:
            if not self.strategy.test(item, action, *key):
                reset_at = self.strategy.get_window_stats(item, action, *key).reset_time
                raise RateLimited(max(1, math.ceil(reset_at - time.time())))
        for item in items:
            self.strategy.hit(item, action, *key)

    def reset(self) -> None:
        self.strategy.storage.reset()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit(request: Request, action: str, *key: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.hit(action, *key)
