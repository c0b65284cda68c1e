"""Settings: search: the embedding model, the vector index and hybrid ranking.

One part of ``dailypapers.config.Settings``, which mixes them all; each field is ``DAILYPAPERS_<NAME>``.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings


class SearchSettings(BaseSettings):
    """Search: the embedding model, the vector index and hybrid ranking."""

    embedder: Literal["minilm", "openai"] = Field(
        default="minilm",
        description="`minilm`: all-MiniLM-L6-v2 on onnxruntime, bundled, offline. `openai`: an OpenAI-compatible "
        "`/embeddings` endpoint (DAILYPAPERS_EMBEDDING_URL, _MODEL, _DIM, _API_KEY). Changing it re-embeds all papers.",
    )
    embedding_url: str = Field(default="", description="Base URL of the OpenAI-compatible embeddings server.")
    embedding_model: str = Field(default="", description="Model name sent to the embeddings server.")
    embedding_dim: int = Field(default=384, ge=1, le=8192, description="Dimensions of that model's vectors.")
    embedding_api_key: str = Field(default="", description="Bearer token for the embeddings server, if it needs one.")
    embedding_threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="onnxruntime threads (intra-op) per process for the bundled model. 0: the core count divided by "
        "the 2 processes that may embed at once on one machine (serve and a worker, or two workers), at least 1. "
        "onnxruntime's own default, every core in every process, oversubscribes: two processes then embed at ~50 % "
        "of one (benchmarks/embedding_threads.py). Raise it where one process embeds alone.",
    )
    vector_ann_threshold: int = Field(
        default=50_000,
        ge=1,
        description="From this many vectors on, semantic search uses a faiss IVF index instead of an exact scan "
        "(exact: ~4 ms per query at 100k, ~40 ms at 1M on 2 cores; IVF: 0.2-0.7 ms). PostgreSQL with pgvector uses "
        "HNSW instead.",
    )
    vector_nprobe: int = Field(
        default=32, ge=1, le=4096, description="IVF lists scanned per query (higher: better recall, slower)."
    )
    search_rrf_k: int = Field(
        default=60,
        ge=1,
        le=1000,
        description="Reciprocal-rank fusion constant of hybrid search: score = sum of 1/(k + rank). Larger k "
        "flattens the advantage of top ranks.",
    )

    @model_validator(mode="after")
    def _embedder_needs_url(self) -> Self:
        if self.embedder == "openai" and not self.embedding_url.strip():
            raise ValueError(
                "DAILYPAPERS_EMBEDDER=openai needs DAILYPAPERS_EMBEDDING_URL, the base URL of an OpenAI-compatible "
                "embeddings server (e.g. http://127.0.0.1:8080/v1); or set DAILYPAPERS_EMBEDDER=minilm"
            )
        return self
