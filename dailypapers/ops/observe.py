"""Per-request observability: a request id, a latency sample by route template, and (JSON logs) an access line.

The id comes from an incoming ``X-Request-ID`` when it looks like one (a proxy or load balancer made it; a
hostile value must not reach the logs), else a fresh one; it is returned in the response's ``X-Request-ID``
and attached to every log record written while the request runs (ops/logs.py).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Sequence
from contextvars import ContextVar

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.ops.metrics import REQUEST_SECONDS

request_id_var: ContextVar[str | None] = ContextVar("dailypapers_request_id", default=None)
access_log = logging.getLogger("dailypapers.access")

_SANE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
UNMATCHED = "(unmatched)"


def request_id_from(headers: Sequence[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            if _SANE_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def route_template(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """The path template of the route ``scope`` goes to (``/papers/{arxiv_id:path}``), matched here in the
    router's order: the inner scope Starlette fills in is a copy this middleware never sees, and cached pages
    are never routed at all. A path whose method no route takes (405) gets that route's template."""
    full, partial = _match(routes, scope)
    return full or partial or UNMATCHED


def _match(routes: Sequence[BaseRoute], scope: Scope) -> tuple[str | None, str | None]:
    partial = None
    for candidate in routes:
        # FastAPI keeps an included router as one route object that matches nothing itself: look inside.
        inner = getattr(getattr(candidate, "original_router", None), "routes", None)
        if inner is not None:
            full, inner_partial = _match(inner, scope)
            if full is not None:
                return full, None
            partial = partial or inner_partial
            continue
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", UNMATCHED)), None
        if match is Match.PARTIAL:
            partial = partial or str(getattr(candidate, "path", UNMATCHED))
    return None, partial


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute] = (), access_log_lines: bool = False) -> None:
        self.app = app
        self.routes = routes
        self.access_log_lines = access_log_lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope.get("headers", []))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(self.routes, scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(seconds)
            if self.access_log_lines:
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                        "client": (scope.get("client") or ("", 0))[0],
                    },
                )
            request_id_var.reset(token)
