"""The interest model (clusters + logistic regression, max over clusters) and the library parsers."""

from __future__ import annotations

import numpy as np
import pytest

from dailypapers.personal.interest import MIN_POSITIVES, InterestModel, cluster_count, fit, nearest
from dailypapers.personal.library import LibraryRefused, Reference, parse_library


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


RNG = np.random.default_rng(3)
DIM = 32
TOPIC_A, TOPIC_B, TOPIC_C = (unit(RNG.standard_normal((1, DIM)))[0] for _ in range(3))


def around(center: np.ndarray, n: int) -> np.ndarray:
    return unit(center + 0.12 * RNG.standard_normal((n, DIM)))  # noise norm ~0.7 against the topic's 1


def test_two_interests_do_not_drown_each_other() -> None:
    """Liking 14 papers on A and 6 on B: the model must still rank B papers above unrelated ones."""
    positives = np.concatenate([around(TOPIC_A, 14), around(TOPIC_B, 6)])
    background = unit(RNG.standard_normal((200, DIM)))
    model = fit(positives, around(TOPIC_C, 5), background)
    assert model is not None and len(model.biases) == cluster_count(20) == 3
    scores_a = model.score(around(TOPIC_A, 20))
    scores_b = model.score(around(TOPIC_B, 20))
    scores_c = model.score(around(TOPIC_C, 20))  # disliked
    scores_random = model.score(unit(RNG.standard_normal((200, DIM))))
    assert scores_b.mean() > np.percentile(scores_random, 95)
    assert scores_a.mean() > np.percentile(scores_random, 95)
    assert scores_c.mean() < np.median(scores_random)


def test_too_few_positives() -> None:
    assert (
        fit(around(TOPIC_A, MIN_POSITIVES - 1), np.zeros((0, DIM), np.float32), unit(RNG.standard_normal((50, DIM))))
        is None
    )


def test_round_trip_and_nearest() -> None:
    model = InterestModel(unit(RNG.standard_normal((2, DIM))), np.array([0.5, -0.5], dtype=np.float32))
    weights, biases = model.to_bytes()
    again = InterestModel.from_bytes(weights, biases, DIM)
    matrix = unit(RNG.standard_normal((10, DIM)))
    assert np.allclose(again.score(matrix), model.score(matrix))
    assert np.allclose(model.score(matrix), (matrix @ model.weights.T + model.biases).max(axis=1))
    liked = np.stack([TOPIC_A, TOPIC_B])
    assert nearest(liked, np.stack([TOPIC_B, TOPIC_A])).tolist() == [1, 0]


def test_bibtex_and_csl_json() -> None:
    bib = b"""@article{a, title={Attention Is {All} You Need}, eprint={1706.03762v7}, archivePrefix={arXiv}}
@article{b, title={Doi Only}, doi={10.1000/XYZ}}
@misc{c, title={Via DOI of arXiv}, doi={10.48550/arXiv.2312.00752}}
@misc{d, title={Via URL}, url={https://arxiv.org/pdf/2405.21060v2.pdf}}"""
    assert parse_library(bib) == [
        Reference("Attention Is All You Need", None, "1706.03762"),
        Reference("Doi Only", "10.1000/xyz", None),
        Reference("Via DOI of arXiv", "10.48550/arxiv.2312.00752", "2312.00752"),
        Reference("Via URL", None, "2405.21060"),
    ]
    csl = b'[{"title": "T", "DOI": "10.48550/arXiv.2510.24697"}, {"title": "U", "URL": "https://arxiv.org/abs/cs/0112017"}]'
    assert [r.arxiv_id for r in parse_library(csl)] == ["2510.24697", "cs/0112017"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"[{broken", "not valid CSL-JSON"),
        (b"@article{", "not BibTeX or CSL-JSON"),
        (b" " * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
    ],
)
def test_unreadable_libraries(raw: bytes, message: str) -> None:
    with pytest.raises(LibraryRefused, match=message):
        parse_library(raw)
