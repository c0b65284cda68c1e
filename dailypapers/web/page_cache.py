"""A short-lived in-process cache of anonymous public pages (listings, paper pages, feeds, the daily API).

Why: a listing costs ~1 ms of queries and template rendering on one core, so one process serves a few hundred
pages a second; the same page from memory costs ~0.1 ms. Listings change when papers are imported or voted on,
and a visitor who is not logged in can live with a page that is a few seconds old (lobsters caches its front
page for logged-out visitors the same way). Requests carrying a login cookie or an Authorization header
always bypass the cache, so personalised pages and one's own votes are never stale. Other cookies (the
anonymous CSRF cookie a log-in form sets) do not: anonymous listings carry no forms.

Bounds: at most ``PAGE_CACHE_MAX_ENTRIES`` responses of at most ``PAGE_CACHE_MAX_BODY_BYTES`` each (LRU), kept
``ttl_seconds``. Each process has its own cache; with several processes a page is at most ``ttl_seconds`` stale.
Code that writes in this process may call ``clear()`` to make its change visible at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CACHE_MAX_ENTRIES = 2048
PAGE_CACHE_MAX_BODY_BYTES = 2 * 1024 * 1024
CACHEABLE_PREFIXES = ("/papers", "/feed.atom", "/api/daily_papers", "/api/papers/")
_LOGIN_COOKIE = b"dp_session="  # web.security.SESSION_COOKIE


@dataclass(frozen=True, slots=True)
class CachedResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    expires_at: float


def _cacheable_path(path: str) -> bool:
    return path == "/" or path.startswith(CACHEABLE_PREFIXES)


class PageStore:
    """The cached responses of one process (``app.state.page_cache``)."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self.entries: OrderedDict[bytes, CachedResponse] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        self.entries.clear()

    def put(self, key: bytes, response: CachedResponse) -> None:
        self.entries[key] = response
        self.entries.move_to_end(key)
        while len(self.entries) > PAGE_CACHE_MAX_ENTRIES:
            self.entries.popitem(last=False)


class PageCacheMiddleware:
    def __init__(self, app: ASGIApp, store: PageStore) -> None:
        self.app = app
        self.store = store

    def _key(self, scope: Scope) -> bytes | None:
        if self.store.ttl_seconds <= 0 or scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        if not _cacheable_path(scope["path"]):
            return None
        for name, value in scope["headers"]:
            if name == b"authorization" or (name == b"cookie" and _LOGIN_COOKIE in value):
                return None
        key: bytes = scope["method"].encode() + b" " + scope["path"].encode() + b"?" + scope["query_string"]
        return key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        cached = self.store.entries.get(key)
        if cached is not None and cached.expires_at > now:
            self.store.entries.move_to_end(key)
            self.store.hits += 1
            await send({"type": "http.response.start", "status": cached.status, "headers": cached.headers})
            await send({"type": "http.response.body", "body": cached.body})
            return
        self.store.misses += 1
        await self._fill(key, scope, receive, send, now)

    async def _fill(self, key: bytes, scope: Scope, receive: Receive, send: Send, now: float) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        storable = True

        async def capture(message: Message) -> None:
            nonlocal start, size, storable
            if message["type"] == "http.response.start":
                start = message
                headers = dict(message.get("headers", []))
                # Only complete, public 200s: never a response that sets a cookie.
                storable = message["status"] == 200 and b"set-cookie" not in headers
            elif message["type"] == "http.response.body" and storable:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                storable = size <= PAGE_CACHE_MAX_BODY_BYTES
            await send(message)

        await self.app(scope, receive, capture)
        if start is None or not storable:
            return
        headers = list(start.get("headers", []))
        self.store.put(key, CachedResponse(start["status"], headers, b"".join(chunks), now + self.store.ttl_seconds))
