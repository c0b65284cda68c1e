"""Offline evaluation of the "for you" ranking against two peers, on one real user's hand-tagged arXiv papers.

Data: ``../shared/data/eval_user_interest_tags`` (340 papers, 35 tags with the user's interest weights,
announcement dates 2025-04-11 to 2025-05-19). Simulated users, each with a time-ordered split (papers announced
before the cutoff date, ~60 % of them, are what the user liked; later days are ranked):

- one user per tag with at least 8 papers (the tag is their interest);
- 30 two-interest users (pairs of such tags, seeded): several interests must not drown each other;
- the real user: papers whose tags' weights sum above zero are liked, below zero are "not interested".

For every user and every later day with at least one relevant paper and one other, each method ranks that day's
papers; relevant = carries one of the user's tags (the real user: positive weight sum). Reported: nDCG@10 and
MRR averaged over (user, day) pairs, for

(a) ours: ``dailypapers.personal.interest`` (interest clusters of MiniLM embeddings, one logistic regression each,
    max over clusters; dismissals weighted up; 200 random earlier papers as background);
(b) arxiv-sanity-lite style: tf-idf of title + abstract (1-2 grams, sublinear tf) and a LinearSVC(C=0.01,
    class_weight="balanced") of the user's papers against every other earlier paper;
(c) zotero-arxiv-daily style: mean cosine similarity of embeddings to the user's papers, newer ones weighted more
    (weight 1 / (1 + log10(rank by recency)), normalised).

    .venv/bin/python benchmarks/personalization.py [--data PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "eval_user_interest_tags"
MIN_TAG_PAPERS = 8
PAIR_USERS = 30
TRAIN_FRACTION = 0.6

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EvalPaper:
    index: int
    title: str
    abstract: str
    created: dt.date
    tags: frozenset[str]


@dataclass(frozen=True)
class SimUser:
    name: str
    liked: Callable[[EvalPaper], bool]
    disliked: Callable[[EvalPaper], bool]


def load(data: Path) -> tuple[list[EvalPaper], dict[str, float]]:
    weights = json.loads((data / "tags.json").read_text())
    rows: dict[str, dict[str, object]] = {}
    for path in sorted((data / "train").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                item = json.loads(line)
                entry = rows.setdefault(item["url"], {**item, "tags": set()})
                entry["tags"].add(path.stem)  # type: ignore[union-attr]
    papers = [
        EvalPaper(
            i, str(r["title"]), str(r["abstract"]), dt.date.fromisoformat(str(r["created"])), frozenset(r["tags"])
        )  # type: ignore[arg-type]
        for i, r in enumerate(sorted(rows.values(), key=lambda r: (str(r["created"]), str(r["url"]))))
    ]
    return papers, weights


def ndcg_at_10(relevance: Sequence[int]) -> float:
    dcg = sum(rel / math.log2(rank + 2) for rank, rel in enumerate(relevance[:10]))
    ideal = sorted(relevance, reverse=True)
    idcg = sum(rel / math.log2(rank + 2) for rank, rel in enumerate(ideal[:10]))
    return dcg / idcg if idcg else 0.0


def mrr(relevance: Sequence[int]) -> float:
    return next((1.0 / (rank + 1) for rank, rel in enumerate(relevance) if rel), 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not (args.data / "tags.json").is_file():
        print(f"missing data: {args.data}/tags.json not found (needs ../shared/data/eval_user_interest_tags)")
        return 2
    sys.path.insert(0, str(ROOT))
    from dailypapers.config import Settings
    from dailypapers.personal.interest import fit
    from dailypapers.search.embedder import get_embedder, paper_text

    papers, weights = load(args.data)
    start = time.perf_counter()
    vectors: Vectors = get_embedder(Settings()).embed([paper_text(p.title, p.abstract) for p in papers])
    embed_seconds = time.perf_counter() - start
    texts = [f"{p.title} {p.abstract}" for p in papers]
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_features=50_000).fit_transform(texts)

    dates = sorted(p.created for p in papers)
    cutoff = dates[int(len(dates) * TRAIN_FRACTION)]
    train = [p for p in papers if p.created < cutoff]
    test_days: dict[dt.date, list[EvalPaper]] = {}
    for p in papers:
        if p.created >= cutoff:
            test_days.setdefault(p.created, []).append(p)

    counts: dict[str, int] = {}
    for p in papers:
        for tag in p.tags:
            counts[tag] = counts.get(tag, 0) + 1
    big_tags = sorted(t for t, n in counts.items() if n >= MIN_TAG_PAPERS)
    users = [SimUser(f"tag:{t}", lambda p, t=t: t in p.tags, lambda _p: False) for t in big_tags]  # type: ignore[misc]
    rng = random.Random(7)
    for a, b in rng.sample(list(itertools.combinations(big_tags, 2)), PAIR_USERS):
        users.append(SimUser(f"pair:{a}+{b}", lambda p, a=a, b=b: bool(p.tags & {a, b}), lambda _p: False))  # type: ignore[misc]

    def weight(p: EvalPaper) -> float:
        return sum(weights.get(t, 0.0) for t in p.tags)

    users.append(SimUser("real user", lambda p: weight(p) > 0, lambda p: weight(p) < 0))

    def ours(user: SimUser, liked: list[EvalPaper], candidates: list[EvalPaper]) -> Vectors:
        disliked = [p.index for p in train if user.disliked(p)]
        others = [p.index for p in train if not user.liked(p) and not user.disliked(p)]
        background = random.Random(0).sample(others, min(200, len(others)))
        model = fit(vectors[[p.index for p in liked]], vectors[disliked], vectors[background])
        assert model is not None
        return model.score(vectors[[p.index for p in candidates]])

    # Every recommender takes the same arguments, whether it uses them or not.
    def arxiv_sanity(user: SimUser, liked: list[EvalPaper], candidates: list[EvalPaper]) -> Vectors:  # noqa: ARG001
        x = tfidf[[p.index for p in train]]
        y = np.array([1 if user.liked(p) else 0 for p in train])
        svm = LinearSVC(C=0.01, class_weight="balanced").fit(x, y)
        scores: Vectors = svm.decision_function(tfidf[[p.index for p in candidates]])
        return scores

    def zotero(user: SimUser, liked: list[EvalPaper], candidates: list[EvalPaper]) -> Vectors:  # noqa: ARG001
        library = sorted(liked, key=lambda p: p.created, reverse=True)  # newest first
        decay = 1.0 / (1.0 + np.log10(np.arange(len(library)) + 1))
        decay = decay / decay.sum()
        similarity = vectors[[p.index for p in candidates]] @ vectors[[p.index for p in library]].T
        scores: Vectors = (similarity * decay).sum(axis=1)
        return scores

    methods: dict[str, Callable[[SimUser, list[EvalPaper], list[EvalPaper]], Vectors]] = {
        "ours (clusters + logistic regression)": ours,
        "arxiv-sanity-lite (tf-idf + LinearSVC)": arxiv_sanity,
        "zotero-arxiv-daily (time-weighted cosine)": zotero,
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in methods}
    evaluated_users = 0
    for user in users:
        liked = [p for p in train if user.liked(p)]
        if len(liked) < 3:
            continue
        evaluated_users += 1
        for _day, candidates in sorted(test_days.items()):
            relevance = [1 if user.liked(p) else 0 for p in candidates]
            if not any(relevance) or all(relevance):
                continue
            for name, method in methods.items():
                scores = method(user, liked, candidates)
                order = np.argsort(-scores, kind="stable")
                ranked = [relevance[i] for i in order]
                results[name].append((ndcg_at_10(ranked), mrr(ranked)))
    print(f"data: {len(papers)} papers, {len(train)} before {cutoff} (learned from), "
          f"{sum(len(v) for v in test_days.values())} on {len(test_days)} later days (ranked); "
          f"{evaluated_users} simulated users; embedding {len(papers)} papers took {embed_seconds:.1f} s")  # fmt: skip
    print(f"{'method':<44} {'nDCG@10':>8} {'MRR':>7} {'(user, day) pairs':>18}")
    for name, values in results.items():
        ndcg = sum(v[0] for v in values) / len(values)
        reciprocal = sum(v[1] for v in values) / len(values)
        print(f"{name:<44} {ndcg:>8.4f} {reciprocal:>7.4f} {len(values):>18}")

    # Speed: the real user's model (4 interest clusters at most) scoring 100,000 papers, plus the top 50.
    real = users[-1]
    liked = [p.index for p in papers if real.liked(p)]
    model = fit(vectors[liked], vectors[[p.index for p in papers if real.disliked(p)]], vectors)
    assert model is not None
    rng_vectors = np.random.default_rng(0).standard_normal((100_000, vectors.shape[1])).astype(np.float32)
    rng_vectors /= np.linalg.norm(rng_vectors, axis=1, keepdims=True)
    timings = []
    for _ in range(60):
        start = time.perf_counter()
        scores = model.score(rng_vectors)
        top = np.argpartition(-scores, 50)[:50]
        top[np.argsort(-scores[top])]
        timings.append((time.perf_counter() - start) * 1000)
    timings = sorted(timings[10:])
    print(f"scoring one user ({len(model.biases)} interest clusters) over 100,000 papers + top 50: "
          f"p50 {timings[len(timings) // 2]:.1f} ms, p99 {timings[-1]:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
