"""The one vector blob format, and the configured model named without loading it."""

import struct

import numpy as np

from dailypapers.config import Settings
from dailypapers.search.embedder import get_embedder
from dailypapers.search.vectors.format import ModelIdentity, configured_model, from_blob, from_blobs, to_blob


def test_blobs_are_little_endian_float32() -> None:
    assert to_blob(np.array([1.0, -2.5], dtype=np.float64)) == struct.pack("<2f", 1.0, -2.5)
    big_endian = np.array([0.25, 4.0], dtype=">f4")
    assert to_blob(big_endian) == struct.pack("<2f", 0.25, 4.0)
    row = from_blob(struct.pack("<3f", 1.0, 2.0, 3.0))
    assert row.dtype == np.float32 and row.tolist() == [1.0, 2.0, 3.0]
    row[0] = 9.0  # a writable copy, not a view of the bytes


def test_matrix_of_blobs() -> None:
    rows = np.arange(6, dtype=np.float32).reshape(3, 2)
    matrix = from_blobs([to_blob(r) for r in rows], 2)
    assert matrix.shape == (3, 2) and np.array_equal(matrix, rows)
    assert from_blobs([], 384).shape == (0, 384)


def test_configured_model_is_the_embedders_identity() -> None:
    minilm = Settings(embedder="minilm")
    embedder = get_embedder(minilm)
    assert configured_model(minilm) == ModelIdentity(embedder.model_id, embedder.dim)
    remote = Settings(
        embedder="openai", embedding_url="http://127.0.0.1:9", embedding_model="bge-m3", embedding_dim=1024
    )
    embedder = get_embedder(remote)  # builds an HTTP client; nothing is sent until it embeds
    assert configured_model(remote) == ModelIdentity("openai:bge-m3", 1024) == (embedder.model_id, embedder.dim)
