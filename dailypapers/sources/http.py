"""HTTP for sources: polite (a minimum interval per client), bounded (size, content type, timeout), retried.

Retries (stamina) cover what may pass: 5xx, 429, timeouts and dropped connections; a 503 or 429 with
``Retry-After`` waits as long as the server asks (arXiv's OAI-PMH answers "503 Retry after 10 seconds" under
load). 4xx never retries: the request itself is wrong and will stay wrong.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import threading
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx
import stamina
from stamina.instrumentation import RetryDetails, get_on_retry_hooks, set_on_retry_hooks

from dailypapers import __version__
from dailypapers.config import Settings
from dailypapers.text import whole_number

RETRY_ATTEMPTS = 5
RETRY_WAIT_MAX_SECONDS = 60.0
# A server asking for more than this is treated as down for now; the job runs again later.
MAX_RETRY_AFTER_SECONDS = 600.0
BODY_EXCERPT_CHARS = 300
CAUSE_LOG_CHARS = 300

log = logging.getLogger("dailypapers.sources")
# What the retried call is doing, for the retry log line: ("GET https://…", attempts). A context variable
# because stamina's hooks are process-wide and get only the callable's arguments, not our client.
_current_request: ContextVar[tuple[str, int] | None] = ContextVar("dailypapers_http_request", default=None)
_hook_lock = threading.Lock()


class SourceError(Exception):
    """A source failed in a way an operator can act on; the message says what happened and where."""


@dataclass
class HttpStatusError(SourceError):
    url: str
    status: int
    body: bytes
    retry_after: float | None = None

    def __str__(self) -> str:
        excerpt = self.body[:BODY_EXCERPT_CHARS].decode("utf-8", "replace").strip()
        return f"HTTP {self.status} from {self.url}" + (f": {excerpt}" if excerpt else "")


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), capped; None when absent."""
    if not value:
        return None
    value = value.strip()
    seconds = whole_number(value)
    if seconds is not None:
        return min(float(seconds), MAX_RETRY_AFTER_SECONDS)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or dt.datetime.now(dt.UTC)
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER_SECONDS)


def _should_retry(exc: Exception) -> bool | float:
    if isinstance(exc, HttpStatusError):
        if exc.status >= 500 or exc.status == 429:
            return exc.retry_after if exc.retry_after is not None else True
        return False
    return isinstance(exc, httpx.TimeoutException | httpx.TransportError)


def _log_retry(details: RetryDetails) -> None:
    """One line that says what failed, why, and when the next try comes, e.g. ``GET https://export.arxiv.org/…
    failed (ConnectError: [Errno 111] Connection refused); retry 2/4 in 3.0 s``. stamina's own logging hook
    writes the bare message ``stamina.retry_scheduled`` and hides the rest in ``extra`` fields that the standard
    formatter never prints."""
    exc = details.caused_by
    cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cause = cause if len(cause) <= CAUSE_LOG_CHARS else cause[:CAUSE_LOG_CHARS] + "…"
    current = _current_request.get()
    what, of = (current[0], f"/{current[1] - 1}") if current is not None else (details.name, "")
    log.warning("%s failed (%s); retry %d%s in %.1f s", what, cause, details.retry_num, of, details.wait_for)


def _is_stamina_log_hook(hook: object) -> bool:
    qualname = getattr(hook, "__qualname__", "")
    return qualname in ("init_logging.<locals>.log_retries", "init_structlog.<locals>.log_retries")


def install_retry_log() -> None:
    """Replace stamina's logging hook by ``_log_retry`` (other hooks, e.g. Prometheus counters, stay).
    Idempotent; called by every ``SourceClient``, so nothing happens at import time."""
    with _hook_lock:
        hooks = get_on_retry_hooks()
        if _log_retry not in hooks:
            set_on_retry_hooks([*(h for h in hooks if not _is_stamina_log_hook(h)), _log_retry])


def user_agent(settings: Settings) -> str:
    contact = f"; mailto:{settings.contact_email}" if settings.contact_email else ""
    return f"dailypapers/{__version__} (self-hosted research-paper feed{contact})"


class SourceClient:
    """One HTTP client per source, spacing its requests at least ``min_interval_seconds`` apart."""

    def __init__(
        self,
        settings: Settings,
        *,
        min_interval_seconds: float = 0.0,
        transport: httpx.BaseTransport | None = None,
        attempts: int = RETRY_ATTEMPTS,
    ) -> None:
        self.min_interval_seconds = min_interval_seconds
        # Harvests retry patiently; a lookup made while a person waits (a submission) tries fewer times.
        self.attempts = attempts
        self.max_bytes = settings.http_max_response_bytes
        self._client = httpx.Client(
            timeout=settings.http_timeout_seconds,
            headers={"User-Agent": user_agent(settings)},
            follow_redirects=True,
            transport=transport,
        )
        self._lock = threading.Lock()
        self._last_request = 0.0
        install_retry_log()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(self, url: str, params: Mapping[str, str | int] | None = None, *, expect: tuple[str, ...]) -> bytes:
        """GET with retries; returns the body. ``expect``: acceptable content-type fragments (e.g. "xml")."""
        return self.request("GET", url, params, expect=expect).body

    def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        expect: tuple[str, ...],
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        accept: frozenset[int] = frozenset(),
    ) -> SourceResponse:
        """One request with retries. A status in ``accept`` (e.g. 304, 404 for an API that means something by
        them) is returned, not raised, and not retried; a 2xx must have an ``expect``-ed content type."""
        call = _Call(method, params, headers, json_body, expect, accept)
        fetch = stamina.retry(on=_should_retry, attempts=self.attempts, timeout=None, wait_max=RETRY_WAIT_MAX_SECONDS)(
            self._request_once
        )
        token = _current_request.set((f"{method} {httpx.URL(url, params=params)}", self.attempts))
        try:
            response: SourceResponse = fetch(url, call)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise SourceError(f"cannot reach {url} after {self.attempts} attempts: {exc}") from exc
        finally:
            _current_request.reset(token)
        return response

    def _wait_turn(self) -> None:
        with self._lock:
            delay = self._last_request + self.min_interval_seconds - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._last_request = time.monotonic()

    def _request_once(self, url: str, call: _Call) -> SourceResponse:
        self._wait_turn()
        with self._client.stream(
            call.method, url, params=call.params, headers=call.headers, json=call.json_body
        ) as response:
            where = str(response.url)
            declared = whole_number(response.headers.get("content-length"))
            if declared is not None and declared > self.max_bytes:
                raise SourceError(f"{where} sent {declared:,} bytes, over the {self.max_bytes:,}-byte limit")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise SourceError(f"{where} sent more than the {self.max_bytes:,}-byte limit; stopped reading")
                chunks.append(chunk)
            body = b"".join(chunks)
            result = SourceResponse(where, response.status_code, response.headers, body, bool(response.history))
            if response.status_code in call.accept:
                return result
            if response.status_code >= 400:
                raise HttpStatusError(
                    where, response.status_code, body, parse_retry_after(response.headers.get("retry-after"))
                )
            content_type = response.headers.get("content-type", "").lower()
            if not any(fragment in content_type for fragment in call.expect):
                raise SourceError(
                    f"{where} answered with content type {content_type or '(none)'!r}, expected "
                    f"{' or '.join(call.expect)}: not the service we expected (a proxy or error page?)"
                )
            return result


@dataclass(frozen=True)
class _Call:
    method: str
    params: Mapping[str, str | int] | None
    headers: Mapping[str, str] | None
    json_body: Any
    expect: tuple[str, ...]
    accept: frozenset[int]


@dataclass(frozen=True)
class SourceResponse:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    body: bytes
    redirected: bool  # a redirect (e.g. GitHub's 301 for a renamed repository) was followed
