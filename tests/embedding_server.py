"""A stand-in OpenAI-compatible embeddings service on a real loopback socket, which counts every text it
answered: the witness that no paper is embedded twice across worker processes.

``hold_first`` keeps the first request unanswered until ``release`` is set (the batch a test kills its worker
in the middle of); ``pair_up`` holds each request until a second one is in flight at the same time (or 30 s
pass), which proves two workers embed concurrently rather than one after the other.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

DIM = 8
PAIR_WAIT_SECONDS = 30.0


class EmbeddingServer:
    def __init__(self, host: str = "127.0.0.1", *, hold_first: bool = False, pair_up: bool = False) -> None:
        self.answered: Counter[str] = Counter()  # text -> times a vector for it was sent back
        self.held_client: str | None = None  # the address the held first request came from
        self.requests = 0
        self.holding = threading.Event()  # set once the first request is being held
        self.release = threading.Event()
        self.paired = threading.Event()  # set once two requests were in flight together
        self._hold_first, self._pair_up = hold_first, pair_up
        self._lock = threading.Lock()
        self._in_flight = 0
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner._wait_for_turn(self.client_address[0])
                try:
                    data = [
                        {"index": i, "embedding": np.random.default_rng(abs(hash(t)) % 2**32).normal(size=DIM).tolist()}
                        for i, t in enumerate(body["input"])
                    ]
                    payload = json.dumps({"data": data, "model": body["model"]}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    with owner._lock:
                        owner.answered.update(body["input"])
                finally:
                    with owner._lock:
                        owner._in_flight -= 1

            def log_message(self, *_args: object) -> None:
                pass

        return Handler

    def _wait_for_turn(self, client: str) -> None:
        with self._lock:
            self.requests += 1
            first = self.requests == 1
            self._in_flight += 1
            if self._in_flight >= 2:
                self.paired.set()
        if first and self._hold_first:
            self.held_client = client
            self.holding.set()
            self.release.wait(120)
        if self._pair_up:
            self.paired.wait(PAIR_WAIT_SECONDS)

    def start(self) -> EmbeddingServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
