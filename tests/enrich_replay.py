"""A loopback server for the enrichment job's sources: GitHub's REST API, Hugging Face's paper endpoint and an
OpenAI-compatible chat endpoint.

- ``GET /repos/{owner}/{name}``: the repositories a test registers (``add_repo``), in GitHub's shape, with a
  weak ETag per star count (``If-None-Match`` on it gives 304, free of the rate limit as on GitHub), a 301 to
  ``/repositories/{id}`` for a renamed one, 404 for an unknown one, and a rate-limit window
  (``X-RateLimit-Remaining``/``-Reset``; at 0, 403 as GitHub's primary limit answers).
- ``GET /api/papers/{id}``: the recorded Hugging Face paper objects of ``tests/fixtures/enrich/hf_papers.json``
  (404 for the others).
- ``POST /v1/chat/completions``: a chat completion whose content is a JSON summary of the prompt's title.

Tests can queue scripted replies per route ("github", "hf-paper", "chat") ahead of these, as in tests/replay.py.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.replay import JSON, STALL_MAX_SECONDS, LoopbackServer, Reply, send_reply

ENRICH = Path(__file__).resolve().parent / "fixtures" / "enrich"
RATE_LIMIT = 5000
RESET_EPOCH = 1_900_000_000  # 2030-03-17: a fixed window end, so reports are stable


@dataclass
class Repo:
    id: int
    full_name: str
    stars: int


@dataclass(frozen=True)
class Seen:
    route: str
    path: str
    headers: dict[str, str]
    body: bytes


def hf_papers() -> dict[str, dict[str, Any]]:
    return {paper["id"]: paper for paper in json.loads((ENRICH / "hf_papers.json").read_text())}


class EnrichReplay(LoopbackServer):
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}  # by lower-cased full name (GitHub ignores case)
        self.renamed: dict[str, str] = {}  # old lower-cased full name -> current full name
        self.papers = hf_papers()
        self.remaining = RATE_LIMIT
        self.requests: list[Seen] = []
        self.scripted: dict[str, deque[Reply | None]] = defaultdict(deque)
        self.chat_model = "replay-llm-1"
        self.reset_epoch = RESET_EPOCH
        # The hold_github_at-th GitHub request (1-based) waits for ``release`` before it is answered, so a test
        # can kill the client while that request is in flight.
        self.hold_github_at: int | None = None
        self.release = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                send_reply(
                    self, server.handle(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def log_message(self, *_args: object) -> None:
                pass

        self._serve(Handler)

    def add_repo(self, full_name: str, stars: int) -> None:
        self.repos[full_name.lower()] = Repo(len(self.repos) + 1000, full_name, stars)

    def rename(self, old: str, new: str) -> None:
        repo = self.repos.pop(old.lower())
        repo.full_name = new
        self.repos[new.lower()] = repo
        self.renamed[old.lower()] = new

    def script(self, route: str, *replies: Reply | None) -> None:
        self.scripted[route].extend(replies)

    def seen(self, route: str) -> list[str]:
        return [s.path for s in self.requests if s.route == route]

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Reply:
        path = urlsplit(raw_path).path
        route = (
            "github"
            if path.startswith(("/repos/", "/repositories/"))
            else "hf-paper"
            if path.startswith("/api/papers/")
            else "chat"
            if path == "/v1/chat/completions" and method == "POST"
            else ""
        )
        with self._lock:
            self.requests.append(Seen(route, path, headers, body))
            scripted = self.scripted[route].popleft() if self.scripted[route] else None
            number = len(self.seen("github"))
        if scripted is not None:
            return scripted
        if route == "github":
            if number == self.hold_github_at:
                self.release.wait(STALL_MAX_SECONDS)
            with self._lock:
                return self._github(path, headers)
        if route == "hf-paper":
            paper = self.papers.get(path.removeprefix("/api/papers/"))
            if paper is None:
                return Reply(404, b'{"error":"Paper not found"}', JSON)
            return Reply(body=json.dumps(paper).encode(), content_type=JSON)
        if route == "chat":
            return self._chat(body)
        return Reply(404, b"not found", "text/plain")

    def _limits(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_epoch),
        }

    def _github(self, path: str, headers: dict[str, str]) -> Reply:
        if self.remaining <= 0:
            message = b'{"message": "API rate limit exceeded for 127.0.0.1."}'
            return Reply(403, message, JSON, self._limits())
        if path.startswith("/repositories/"):
            repo = next((r for r in self.repos.values() if str(r.id) == path.rsplit("/", 1)[1]), None)
        else:
            name = path.removeprefix("/repos/").lower()
            if name in self.renamed:
                moved = self.repos[self.renamed[name].lower()]
                self.remaining -= 1
                location = f"/repositories/{moved.id}"
                return Reply(301, b'{"message": "Moved Permanently"}', JSON, {"Location": location, **self._limits()})
            repo = self.repos.get(name)
        if repo is None:
            self.remaining -= 1
            return Reply(404, b'{"message": "Not Found", "status": "404"}', JSON, self._limits())
        etag = f'W/"{repo.id}-{repo.stars}"'
        if headers.get("if-none-match") == etag:
            return Reply(304, b"", JSON, {"ETag": etag, **self._limits()})
        self.remaining -= 1
        owner, name = repo.full_name.split("/")
        data = {
            "id": repo.id,
            "name": name,
            "full_name": repo.full_name,
            "owner": {"login": owner},
            "html_url": f"https://github.com/{repo.full_name}",
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
        }
        return Reply(body=json.dumps(data).encode(), content_type=JSON, headers={"ETag": etag, **self._limits()})

    def _chat(self, body: bytes) -> Reply:
        request = json.loads(body)
        prompt = request["messages"][-1]["content"]
        title = prompt.split("\n", 1)[0].removeprefix("Title: ")
        content = json.dumps({"summary": f"A summary of {title}.", "keywords": ["replay", "summary"]})
        answer = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": self.chat_model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        }
        return Reply(body=json.dumps(answer).encode(), content_type=JSON)
