"""A loopback HTTP server that plays the chat services' incoming webhooks, for webhook tests.

Each path prefix is one service, and the server checks the request as that service does before accepting it
(the rules come from each service's documentation), answering as it answers:

- ``/slack/…``: POST JSON with ``text``; ``blocks`` (if any) at most 50, each of a known type, section text at
  most 3,000 characters, header plain text at most 150; 200 ``ok``, else 400 ``invalid_blocks`` / ``no_text``.
- ``/discord/…``: POST JSON with ``content`` (at most 2,000 characters) or ``embeds`` (at most 10, title at most
  256, description at most 4,096); 204, else 400 with Discord's error JSON.
- ``/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}``: PUT with ``Authorization: Bearer <token>``,
  an ``m.room.message`` content (``msgtype``, ``body``; ``formatted_body`` with ``format``); 200 with an
  ``event_id``, the same one again for a repeated transaction id (as a homeserver does), 401 for a wrong token.
- ``/mattermost/…``: POST JSON with ``text``; 200 ``ok``, else 400.
- ``/generic/…``: POST JSON; verifies ``X-Dailypapers-Signature`` (HMAC-SHA256 over ``<timestamp>.<body>`` with
  ``generic_secrets[path]``) and a timestamp within 5 minutes, as a receiver should; 401 otherwise.

Tests can script replies for a path (a 503, a redirect, a stall), and ``hold_after = N`` keeps the request after
the first N accepted ones waiting for its answer until ``release`` is set (to kill the sender in between).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.replay import LoopbackServer

MATRIX_PATH = re.compile(r"^/_matrix/client/v3/rooms/(?P<room>[^/]+)/send/m\.room\.message/(?P<txn>[^/]+)$")
SLACK_BLOCK_TYPES = {"header", "section", "context", "divider", "actions", "image"}
SIGNATURE_TOLERANCE_SECONDS = 300
STALL_MAX_SECONDS = 60.0


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it, and whether it passed the service's checks."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def delivery_id(self) -> str:
        return self.headers.get("x-dailypapers-delivery", "")


@dataclass
class Scripted:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stall: threading.Event | None = None  # say nothing until set (at most STALL_MAX_SECONDS)


class WebhookSink(LoopbackServer):
    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.generic_secrets: dict[str, str] = {}
        self.matrix_token = "syt_test_token"
        self.scripted: dict[str, deque[Scripted]] = defaultdict(deque)
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._matrix_events: dict[tuple[str, str], str] = {}
        self._accepted = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, content, extra = sink.answer(self.command, self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(content)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(content)

            def log_message(self, *_args: object) -> None:
                pass

        self._serve(Handler)

    def stop(self) -> None:
        self.release.set()
        super().stop()

    def script(self, path: str, *replies: Scripted) -> None:
        self.scripted[path].extend(replies)

    def received(self, prefix: str = "") -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path.startswith(prefix)]

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            scripted = self.scripted[path].popleft() if self.scripted[path] else None
        if scripted is not None:
            if scripted.stall is not None:
                scripted.stall.wait(STALL_MAX_SECONDS)
            self._keep(Hit(method, path, headers, body, scripted.status))
            return scripted.status, scripted.body, scripted.headers
        status, content = self._check(method, path, headers, body)
        hold = False
        with self._lock:
            self.hits.append(Hit(method, path, headers, body, status))
            if 200 <= status < 300:
                self._accepted += 1
                hold = self.hold_after is not None and self._accepted == self.hold_after + 1
        if hold:  # the service has the post; its answer is withheld
            self.holding.set()
            self.release.wait(120)
        return status, content, {"Content-Type": "application/json" if content.startswith(b"{") else "text/plain"}

    def _keep(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def _check(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        matrix = MATRIX_PATH.match(path)
        if matrix is not None:
            return self._matrix(method, matrix["room"], matrix["txn"], headers, body)
        if method != "POST":
            return 405, b"method not allowed"
        if not headers.get("content-type", "").startswith("application/json"):
            return 400, b"invalid_payload"
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, b"invalid_payload"
        if path.startswith("/slack/"):
            return self._slack(payload)
        if path.startswith("/discord/"):
            return self._discord(payload)
        if path.startswith("/mattermost/"):
            ok = isinstance(payload.get("text"), str) and payload["text"].strip()
            return (200, b"ok") if ok else (400, b'{"id":"web.incoming_webhook.text.app_error"}')
        if path.startswith("/generic/"):
            return self._generic(path, headers, body)
        return 404, b"no_service"

    @staticmethod
    def _slack(payload: dict[str, Any]) -> tuple[int, bytes]:
        if not isinstance(payload.get("text"), str) or not payload["text"]:
            return 400, b"no_text"
        blocks = payload.get("blocks", [])
        if not isinstance(blocks, list) or len(blocks) > 50:
            return 400, b"invalid_blocks"
        for block in blocks:
            kind = block.get("type")
            text = block.get("text", {})
            if kind not in SLACK_BLOCK_TYPES:
                return 400, b"invalid_blocks"
            if kind == "header" and (text.get("type") != "plain_text" or len(text.get("text", "")) > 150):
                return 400, b"invalid_blocks"
            if kind == "section" and (text.get("type") not in ("mrkdwn", "plain_text") or len(text["text"]) > 3000):
                return 400, b"invalid_blocks"
            if kind == "context" and not block.get("elements"):
                return 400, b"invalid_blocks"
        return 200, b"ok"

    @staticmethod
    def _discord(payload: dict[str, Any]) -> tuple[int, bytes]:
        content, embeds = payload.get("content", ""), payload.get("embeds", [])
        error = b'{"code": 50035, "message": "Invalid Form Body"}'
        if (not content and not embeds) or len(content) > 2000 or len(embeds) > 10:
            return 400, error
        for embed in embeds:
            if len(embed.get("title", "")) > 256 or len(embed.get("description", "")) > 4096:
                return 400, error
        return 204, b""

    def _matrix(self, method: str, room: str, txn: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if method != "PUT":
            return 405, b'{"errcode":"M_UNRECOGNIZED"}'
        if headers.get("authorization") != f"Bearer {self.matrix_token}":
            return 401, b'{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}'
        content = json.loads(body)
        if not isinstance(content.get("msgtype"), str) or not isinstance(content.get("body"), str):
            return 400, b'{"errcode":"M_BAD_JSON"}'
        if "formatted_body" in content and content.get("format") != "org.matrix.custom.html":
            return 400, b'{"errcode":"M_BAD_JSON"}'
        with self._lock:  # a repeated transaction id is the same event, not a new one
            event = self._matrix_events.setdefault((room, txn), f"$event{len(self._matrix_events)}")
        return 200, json.dumps({"event_id": event}).encode()

    def _generic(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        secret = self.generic_secrets.get(path)
        timestamp = headers.get("x-dailypapers-timestamp", "")
        signature = headers.get("x-dailypapers-signature", "")
        if secret is None or not timestamp.isdigit():
            return 401, b"unsigned"
        if abs(time.time() - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
            return 401, b"stale timestamp"
        expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return 401, b"bad signature"
        return 200, b"{}"
