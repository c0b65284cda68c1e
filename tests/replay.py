"""A loopback HTTP server that replays recorded arXiv (API, OAI-PMH) and Hugging Face responses.

The recordings are real responses kept in ``tests/fixtures`` (see PROVENANCE.md). Two repairs make them what the
services send: the bulk OAI pages lost the inner ``<arXiv>`` namespace when their harvester re-serialised them,
so it is restored; and the tenth page's token (pointing at an eleventh page we do not have) is replaced by the
empty token that ends a list. Tests can queue scripted responses (a 503, an XML bomb, …) ahead of the replay.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OAI_BULK = FIXTURES / "oai_bulk"
BULK_PAGES = 10
BULK_RECORDS = 10_000
ARXIV_NS_FIX = (b"<arXiv xsi:schemaLocation=", b'<arXiv xmlns="http://arxiv.org/OAI/arXiv/" xsi:schemaLocation=')
XML = "text/xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = XML
    headers: dict[str, str] = field(default_factory=dict)
    # Set: the server says nothing until the event is set (at most STALL_MAX_SECONDS), as a stuck server does.
    stall: threading.Event | None = None


STALL_MAX_SECONDS = 60.0


def send_reply(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    """Answer the handler's request with ``reply`` (after its stall, if any)."""
    if reply.stall is not None:
        reply.stall.wait(STALL_MAX_SECONDS)
    handler.send_response(reply.status)
    handler.send_header("Content-Type", reply.content_type)
    handler.send_header("Content-Length", str(len(reply.body)))
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up reading
        handler.wfile.write(reply.body)


def bulk_page(index: int, records: int | None = None) -> bytes:
    """OAI bulk page ``index`` (0-9) as arXiv sends it; ``records`` keeps only that many of its 1,000 records
    (same protocol, ten times faster, for tests that are about the protocol rather than the volume)."""
    body = gzip.decompress((OAI_BULK / f"{index:02d}.xml.gz").read_bytes())
    if records is not None:
        starts = [m.start() for m in re.finditer(b"<record>", body)][: records + 1]
        if len(starts) > records:
            body = body[: starts[records]] + body[body.index(b"<resumptionToken") :]
    body = body.replace(*ARXIV_NS_FIX)
    body = body.replace(b'completeListSize="1405437"', f'completeListSize="{BULK_RECORDS}"'.encode())
    if index == BULK_PAGES - 1:
        start = body.index(b"<resumptionToken")
        end = body.index(b"</resumptionToken>") + len(b"</resumptionToken>")
        body = (
            body[:start] + f'<resumptionToken completeListSize="{BULK_RECORDS}" cursor="9000"/>'.encode() + body[end:]
        )
    return body


def _api_fixtures() -> dict[str, tuple[int, bytes]]:
    """Recorded arXiv API responses keyed by their query (id_list, or search_query/start/max_results)."""
    table = {}
    for path in sorted((FIXTURES / "arxiv_api").glob("*.json")):
        record = json.loads(path.read_text())
        query = parse_qs(urlsplit(record["url"]).query, keep_blank_values=True)
        key = _api_key({k: v[0] for k, v in query.items()})
        table[key] = (record["status_code"], record["body"].encode("latin-1"))
    return table


def _api_key(query: dict[str, str]) -> str:
    if query.get("id_list"):
        return "id:" + query["id_list"]
    return f"q:{query.get('search_query', '')}:{query.get('start', '0')}:{query.get('max_results', '10')}"


EMPTY_FEED = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns:opensearch=\"http://a9.com/-/spec/opensearch/1.1/\" "
    b'xmlns="http://www.w3.org/2005/Atom"><id>https://arxiv.org/api/x</id><title>arXiv Query</title>'
    b"<updated>2026-01-01T00:00:00Z</updated><opensearch:totalResults>0</opensearch:totalResults>"
    b"<opensearch:startIndex>0</opensearch:startIndex></feed>"
)


class LoopbackServer:
    """A threaded HTTP server on a free loopback port; subclasses give the request handler to ``_serve``."""

    def _serve(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> None:
        self._httpd = ThreadingHTTPServer((host, 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class ReplayServer(LoopbackServer):
    def __init__(
        self, page_delay_seconds: float = 0.0, records_per_page: int | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.page_delay_seconds = page_delay_seconds
        self.records_per_page = records_per_page
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.scripted: dict[str, deque[Reply | None]] = defaultdict(deque)
        self.user_agents: list[str] = []
        self.search_alias: str | None = "testing"  # any API search replays the recorded "testing" pages
        self._api = _api_fixtures()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.user_agents.append(self.headers.get("User-Agent", ""))
                send_reply(self, server.handle(self.path))

            def log_message(self, *_args: object) -> None:
                pass

        self._serve(Handler, host)

    def script(self, route: str, *replies: Reply | None) -> None:
        """Serve ``replies`` (in order) to the next requests of ``route`` ("oai", "api" or "hf");
        None lets that request be replayed normally."""
        self.scripted[route].extend(replies)

    def count(self, route: str) -> int:
        return sum(1 for path, _ in self.requests if path == route)

    def handle(self, raw_path: str) -> Reply:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        route = {"/oai": "oai", "/api/query": "api", "/api/daily_papers": "hf"}.get(parts.path, "")
        with self._lock:
            self.requests.append((route, query))
            scripted = self.scripted[route].popleft() if self.scripted[route] else None
        if scripted is not None:
            return scripted
        if route == "oai":
            return self._oai(query)
        if route == "api":
            return self._arxiv_api(query)
        if route == "hf":
            return self._hf(query)
        return Reply(404, b"not found", "text/plain")

    def _oai(self, query: dict[str, str]) -> Reply:
        if self.page_delay_seconds:
            time.sleep(self.page_delay_seconds)
        token = query.get("resumptionToken")
        if query.get("metadataPrefix") == "arXivRaw":
            body = (FIXTURES / "oai" / "ListRecords.xml").read_bytes()
            start = body.index(b"<resumptionToken")
            end = body.index(b"</resumptionToken>") + len(b"</resumptionToken>")
            return Reply(body=body[:start] + b'<resumptionToken completeListSize="387" cursor="0"/>' + body[end:])
        if token is None:
            return Reply(body=bulk_page(0, self.records_per_page))
        try:
            index = int(token.split("|", 1)[1]) // 1000
        except (IndexError, ValueError):
            index = -1
        if not 1 <= index < BULK_PAGES:
            return Reply(
                body=b'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
                b'<responseDate>2018-06-17T22:12:27Z</responseDate><request verb="ListRecords">x</request>'
                b'<error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired.'
                b"</error></OAI-PMH>"
            )
        return Reply(body=bulk_page(index, self.records_per_page))

    def _arxiv_api(self, query: dict[str, str]) -> Reply:
        if query.get("id_list"):
            key = _api_key(query)
        else:
            alias = dict(query, search_query=self.search_alias or query.get("search_query", ""))
            key = _api_key(alias)
        status, body = self._api.get(key, (200, EMPTY_FEED))
        return Reply(status, body, ATOM)

    def _hf(self, query: dict[str, str]) -> Reply:
        day = query.get("date", "")
        path = FIXTURES / "hf_days" / f"{day}.json"
        return Reply(body=path.read_bytes() if path.is_file() else b"[]", content_type=JSON)
