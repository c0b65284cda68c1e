"""Webhook requests: refuse what is not an http(s) URL, sign generic bodies, post with a timeout, follow a
redirect only to the same origin.

**Signature scheme (generic service)**, GitHub/Stripe style: each request carries

- ``X-Dailypapers-Timestamp``: Unix time (seconds) of this attempt;
- ``X-Dailypapers-Signature``: ``sha256=`` + hex HMAC-SHA256, keyed with the webhook's secret, of the bytes
  ``<timestamp>.<raw body>``;
- ``X-Dailypapers-Delivery``: the delivery's id, the same on a resend.

A receiver recomputes the HMAC over the raw body it read, compares in constant time, rejects a timestamp more
than 5 minutes from its clock (a replayed request), and ignores a delivery id it has already processed.

Matrix has no incoming webhooks; its Client-Server API is one: the webhook URL is a room's send endpoint,
``https://HOMESERVER/_matrix/client/v3/rooms/ROOM_ID/send/m.room.message``, the secret a bot's access token,
and we ``PUT`` to ``URL/<delivery id>``: the homeserver treats a repeated transaction id as the same event, so
Matrix drops the resend after a crash by itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote, urljoin, urlsplit

import httpx

from dailypapers.config import Settings
from dailypapers.sources.http import user_agent
from dailypapers.webhooks.models import Service

MAX_REDIRECTS = 3
ERROR_EXCERPT_BYTES = 300
TIMESTAMP_HEADER = "X-Dailypapers-Timestamp"
SIGNATURE_HEADER = "X-Dailypapers-Signature"
DELIVERY_HEADER = "X-Dailypapers-Delivery"
RETRIED_STATUSES = frozenset({408, 425, 429})  # and every 5xx


class InvalidWebhookUrl(ValueError):
    """Not a URL we post to; the message says why."""


class TemporaryFailure(Exception):
    """May pass: a timeout, a dropped connection, 5xx, 429. Retried with backoff."""


class PermanentFailure(Exception):
    """Will not pass by retrying: 4xx, a redirect to another host."""


def check_url(url: str) -> str:
    """``url`` stripped, when it is an absolute http(s) URL with a host; raises ``InvalidWebhookUrl``."""
    url = url.strip()
    if len(url) > 2000:
        raise InvalidWebhookUrl("The URL is longer than 2,000 characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise InvalidWebhookUrl("The URL cannot be parsed.") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidWebhookUrl("The URL must start with https:// (or http://).")
    if not parts.hostname:
        raise InvalidWebhookUrl("The URL has no host.")
    if any(c.isspace() for c in url):
        raise InvalidWebhookUrl("The URL contains spaces.")
    return url


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (see the module doc)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)


def prepare(
    settings: Settings, service: Service, url: str, secret: str | None, body: str, delivery_id: str, now: float
) -> Request:
    """The request for one attempt; ``now`` (Unix seconds) goes into the generic signature."""
    content = body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": user_agent(settings),
        DELIVERY_HEADER: delivery_id,
    }
    method = "POST"
    if service is Service.matrix:
        method, url = "PUT", f"{url.rstrip('/')}/{quote(delivery_id, safe='')}"
        headers["Authorization"] = f"Bearer {secret or ''}"
    elif service is Service.generic:
        timestamp = str(int(now))
        headers[TIMESTAMP_HEADER] = timestamp
        headers[SIGNATURE_HEADER] = sign(secret or "", timestamp, content)
    return Request(method, check_url(url), content, headers)


class Poster(Protocol):
    def send(self, request: Request) -> None:
        """Deliver ``request``; raise ``TemporaryFailure`` or ``PermanentFailure``."""


class HttpPoster:
    """Posts over httpx; redirects are followed by hand, to the same origin only (a webhook URL that moves to
    another host would hand our body, and a Matrix token, to whoever it names)."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.timeout_seconds = settings.webhook_timeout_seconds
        self._client = httpx.Client(timeout=self.timeout_seconds, follow_redirects=False, transport=transport)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpPoster:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, request: Request) -> None:
        url = request.url
        for _hop in range(MAX_REDIRECTS + 1):
            status, location, excerpt = self._once(request, url)
            if 200 <= status < 300:
                return
            if 300 <= status < 400 and location:
                target = urljoin(url, location)
                if _origin(target) != _origin(url):
                    raise PermanentFailure(f"HTTP {status}: redirected to another host ({_origin(target)[1]}); refused")
                url = check_url(target)
                continue
            message = f"HTTP {status} from {urlsplit(url).hostname}" + (f": {excerpt}" if excerpt else "")
            if status >= 500 or status in RETRIED_STATUSES:
                raise TemporaryFailure(message)
            raise PermanentFailure(message)
        raise PermanentFailure(f"more than {MAX_REDIRECTS} redirects")

    def _once(self, request: Request, url: str) -> tuple[int, str | None, str]:
        host = urlsplit(url).hostname
        try:
            with self._client.stream(request.method, url, content=request.content, headers=request.headers) as response:
                head = b""
                for chunk in response.iter_bytes():
                    head += chunk
                    if len(head) >= ERROR_EXCERPT_BYTES:
                        break
                excerpt = head[:ERROR_EXCERPT_BYTES].decode("utf-8", "replace").strip()
                return response.status_code, response.headers.get("location"), excerpt
        except httpx.TimeoutException:
            raise TemporaryFailure(f"{host} did not answer within {self.timeout_seconds:g} s") from None
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"cannot reach {host}: {type(exc).__name__}: {exc}") from None
