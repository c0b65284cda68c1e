"""The default onnxruntime thread count shares the cores among the processes that may embed at once."""

from __future__ import annotations

from dailypapers.search.embedder import EMBEDDING_PROCESSES, embedding_threads


def test_the_setting_wins() -> None:
    assert embedding_threads(3, cores=2) == 3


def test_the_default_shares_the_cores_among_the_embedding_processes() -> None:
    assert EMBEDDING_PROCESSES == 2
    assert embedding_threads(0, cores=2) == 1
    assert embedding_threads(0, cores=16) == 8
    assert embedding_threads(0, cores=1) == 1  # never 0, which onnxruntime reads as "every core"
