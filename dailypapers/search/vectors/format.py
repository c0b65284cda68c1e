"""The one definition of how a paper vector is stored, and of which embedding model the settings name.

A vector is ``dim`` little-endian float32 values, L2-normalised (``paper_vectors.vector``). Everything that
writes or reads those blobs goes through ``to_blob``/``from_blob``/``from_blobs``, so the format can change in
one place. ``configured_model`` names the model without loading it (the ONNX session costs ~0.3 s and ~90 MB):
the interest models and the vector backends need the identity, not the embedder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from dailypapers.config import Settings

Vectors = npt.NDArray[np.float32]

# Byte order is fixed rather than native so a database copied between machines keeps its vectors.
BLOB_DTYPE = "<f4"

MINILM_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MINILM_DIM = 384


class ModelIdentity(NamedTuple):
    """What a stored vector records about the model that made it (``paper_vectors.model`` and ``dim``)."""

    model_id: str
    dim: int


def openai_model_id(model: str) -> str:
    return f"openai:{model}"


def configured_model(settings: Settings) -> ModelIdentity:
    """(model id, dimensions) of the embedder ``DAILYPAPERS_EMBEDDER`` selects; the embedders use the same ids."""
    if settings.embedder == "openai":
        return ModelIdentity(openai_model_id(settings.embedding_model), settings.embedding_dim)
    return ModelIdentity(MINILM_MODEL_ID, MINILM_DIM)


def to_blob(vector: npt.ArrayLike) -> bytes:
    return np.ascontiguousarray(vector, dtype=BLOB_DTYPE).tobytes()


def from_blob(blob: bytes) -> Vectors:
    """One stored vector as a native float32 row (a copy: ``frombuffer`` views are read-only)."""
    return np.frombuffer(blob, dtype=BLOB_DTYPE).astype(np.float32)


def from_blobs(blobs: Sequence[bytes], dim: int) -> Vectors:
    """Stored vectors of one dimension as an (n, dim) float32 matrix, decoded in one pass."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=BLOB_DTYPE).reshape(len(blobs), dim).astype(np.float32)
