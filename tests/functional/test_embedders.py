"""The OpenAI-compatible embedder against a real HTTP server on loopback (a stand-in embeddings service)."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np
import pytest

from dailypapers.config import Settings
from dailypapers.search.embedder import OpenAICompatible, get_embedder


class _Embeddings(BaseHTTPRequestHandler):
    """Answers POST /v1/embeddings like OpenAI's API: deterministic vectors from each text's hash."""

    seen: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Embeddings.seen.append({"auth": self.headers.get("Authorization"), **body})
        if self.path != "/v1/embeddings":
            self.send_response(404)
            self.end_headers()
            return
        data = [
            {"index": i, "embedding": np.random.default_rng(abs(hash(text)) % 2**32).normal(size=8).tolist()}
            for i, text in enumerate(body["input"])
        ]
        payload = json.dumps({"data": list(reversed(data)), "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def embeddings_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Embeddings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_compatible_embedder(embeddings_url: str) -> None:
    settings = Settings(
        embedder="openai",
        embedding_url=embeddings_url,
        embedding_model="m",
        embedding_dim=8,
        embedding_api_key="secret",
    )
    embedder = get_embedder(settings)
    assert isinstance(embedder, OpenAICompatible)
    assert embedder.model_id == "openai:m"
    vectors = embedder.embed(["first text", "second text"])
    assert vectors.shape == (2, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    again = embedder.embed(["second text"])
    assert np.allclose(again[0], vectors[1])  # order restored from "index", not the response order
    assert _Embeddings.seen[-1]["auth"] == "Bearer secret"
    assert _Embeddings.seen[-1]["model"] == "m"


def test_wrong_dimension_is_a_clear_error(embeddings_url: str) -> None:
    embedder = OpenAICompatible(embeddings_url, "m", dim=16)
    with pytest.raises(ValueError, match=r"returned shape \(1, 8\), expected \(1, 16\)"):
        embedder.embed(["x"])
