"""A short-lived in-process cache of anonymous public pages (listings, paper pages, feeds, the daily API).

Why: a listing costs ~1 ms of queries and template rendering on one core, so one process serves a few hundred
pages a second; the same page from memory costs ~0.1 ms. Listings change when papers are imported or voted on,
and a visitor who is not logged in can live with a page that is a few seconds old (lobsters caches its front
page for logged-out visitors the same way). Requests carrying a login cookie or an Authorization header
always bypass the cache, so personalised pages and one's own votes are never stale. Other cookies (the
anonymous CSRF cookie a log-in form sets) do not: anonymous listings carry no forms.

Keys: the method, the path and only the query parameters that the route declares (``?page=2`` on a
listing, ``?q=`` on the home page), sorted by name. Anything else in the query string is dropped, from the key
and from the request the page is rendered for, so the stored page is exactly what its key describes: 1,200
cache-busting query strings (``?x=1``, ``?x=2``, ...) once grew one process from 587 MB to 1.56 GB; now they
are one entry.

Bounds: at most ``max_bytes`` in all (DAILYPAPERS_PAGE_CACHE_MAX_BYTES; bodies, headers and keys counted),
``PAGE_CACHE_MAX_ENTRIES`` entries and ``PAGE_CACHE_MAX_BODY_BYTES`` per body; least recently used first out.
Entries live ``ttl_seconds``; expired ones are dropped when met and by a sweep at most once per TTL, so a burst
of one-off pages does not stay in memory after it. Each process has its own cache; with several processes a
page is at most ``ttl_seconds`` stale. Code that writes in this process may call ``clear()`` to make its
change visible at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CACHE_MAX_ENTRIES = 2048
PAGE_CACHE_MAX_BODY_BYTES = 2 * 1024 * 1024
# What an entry costs beyond its bytes (the objects, the dict slot), measured roughly with tracemalloc.
ENTRY_OVERHEAD_BYTES = 600
CACHEABLE_PREFIXES = ("/papers", "/feed.atom", "/api/daily_papers", "/api/papers/")
_LOGIN_COOKIE = b"dp_session="  # web.security.SESSION_COOKIE


@dataclass(frozen=True, slots=True)
class CachedResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    expires_at: float

    def size(self, key: bytes) -> int:
        return len(key) + len(self.body) + sum(len(n) + len(v) for n, v in self.headers) + ENTRY_OVERHEAD_BYTES


def _cacheable_path(path: str) -> bool:
    return path == "/" or path.startswith(CACHEABLE_PREFIXES)


class PageStore:
    """The cached responses of one process (``app.state.page_cache``). ``clock`` is injectable for tests."""

    def __init__(
        self, ttl_seconds: float, max_bytes: int = 64 * 1024 * 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_bytes = max_bytes
        self.clock = clock
        self.entries: OrderedDict[bytes, CachedResponse] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._next_sweep = 0.0

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0 and self.max_bytes > 0

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0

    def _drop(self, key: bytes) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size(key)

    def get(self, key: bytes, now: float) -> CachedResponse | None:
        cached = self.entries.get(key)
        if cached is None:
            return None
        if cached.expires_at <= now:
            self._drop(key)
            return None
        self.entries.move_to_end(key)
        return cached

    def sweep(self, now: float) -> None:
        """Drop every expired entry (LRU order is not expiry order: a page hit often stays at the end)."""
        for key in [k for k, v in self.entries.items() if v.expires_at <= now]:
            self._drop(key)
        self._next_sweep = now + self.ttl_seconds

    def put(self, key: bytes, response: CachedResponse, now: float) -> None:
        size = response.size(key)
        if size > self.max_bytes:
            return
        if now >= self._next_sweep:
            self.sweep(now)
        self._drop(key)
        self.entries[key] = response
        self.bytes += size
        while self.bytes > self.max_bytes or len(self.entries) > PAGE_CACHE_MAX_ENTRIES:
            oldest = next(iter(self.entries))
            self._drop(oldest)


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameter names a route reads: its own and those of its dependencies (aliases, e.g. ``from``)."""
    names: set[str] = set()
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):  # a query-parameter model
            names.update(f.alias or n for n, f in annotation.model_fields.items())
        else:
            names.add(field.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those as one route object each)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (inner := getattr(route, "original_router", None)) is not None or hasattr(route, "routes"):
            yield from _api_routes(getattr(inner, "routes", None) or getattr(route, "routes", []))


class PageCacheMiddleware:
    """Query names: before a path has been served once, the names any route declares (a superset of what the
    page reads, so nothing it needs is dropped); from then on, what the route that served it declares (learnt
    from ``scope["route"]``; the route depends on the path and method, never on the query)."""

    def __init__(self, app: ASGIApp, store: PageStore, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.store = store
        self.routes = routes
        self._any_route: frozenset[str] | None = None
        self._by_route: dict[int, frozenset[str]] = {}
        self._by_path: OrderedDict[tuple[str, str], frozenset[str]] = OrderedDict()

    def _names(self, method: str, path: str) -> frozenset[str]:
        names = self._by_path.get((method, path))
        if names is not None:
            return names
        if self._any_route is None:  # routes are all registered by the first request
            self._any_route = frozenset(n for r in _api_routes(self.routes) for n in _query_names(r.dependant))
        return self._any_route

    def _learn(self, method: str, path: str, route: object) -> None:
        if not isinstance(route, APIRoute):
            return
        names = self._by_route.get(id(route))
        if names is None:
            names = self._by_route[id(route)] = frozenset(_query_names(route.dependant))
        self._by_path[(method, path)] = names
        while len(self._by_path) > PAGE_CACHE_MAX_ENTRIES:  # bounded like the cache itself
            self._by_path.popitem(last=False)

    def _key(self, scope: Scope, names: frozenset[str]) -> tuple[bytes, bytes]:
        """(key, canonical query string): only ``names``, sorted by name; stable, so a repeated parameter
        (category=a&category=b) keeps its order."""
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        query = urlencode(sorted(((n, v) for n, v in pairs if n in names), key=lambda pair: pair[0])).encode()
        return scope["method"].encode() + b" " + scope["path"].encode() + b"?" + query, query

    def _cacheable(self, scope: Scope) -> bool:
        if not self.store.enabled or scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        if not _cacheable_path(scope["path"]):
            return False
        for name, value in scope["headers"]:
            if name == b"authorization" or (name == b"cookie" and _LOGIN_COOKIE in value):
                return False
            # A paper page asked for as Markdown is another representation of the same key: never stored.
            if name == b"accept" and value.lstrip().lower().startswith(b"text/markdown"):
                return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        key, query = self._key(scope, self._names(method, path))
        now = self.store.clock()
        cached = self.store.get(key, now)
        if cached is not None:
            self.store.hits += 1
            await send({"type": "http.response.start", "status": cached.status, "headers": cached.headers})
            await send({"type": "http.response.body", "body": cached.body})
            return
        self.store.misses += 1
        # The page is rendered for the canonical query, so what is stored is what the key says.
        inner = {**scope, "query_string": query}
        response = await self._render(inner, receive, send, now)
        self._learn(method, path, inner.get("route"))
        if response is not None:
            # Keyed by what the route reads; the names dropped beyond those are ones the page ignores.
            self.store.put(self._key(inner, self._names(method, path))[0], response, now)

    async def _render(self, scope: Scope, receive: Receive, send: Send, now: float) -> CachedResponse | None:
        """Run the app, passing its answer on; returns it when it may be stored."""
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
            return None
        headers = list(start.get("headers", []))
        return CachedResponse(start["status"], headers, b"".join(chunks), now + self.store.ttl_seconds)
