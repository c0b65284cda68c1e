"""The per-user interest model: pure functions of vectors, no database.

Positives (upvotes, saves, claimed papers) are split into interest clusters (k-means on their embeddings), and
each cluster gets its own logistic regression against the negatives ("not interested", weighted up) and random
papers. A paper's score is the maximum over clusters, so a user who reads about both bandits and optimizers gets
the best of each rather than an average that matches neither. Scoring is one matrix product: (n, d) @ (d, k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dailypapers.search.vectors.format import BLOB_DTYPE

Vectors = npt.NDArray[np.float32]

MIN_POSITIVES = 3  # fewer: the fallback (chosen categories, then trending) serves the user
POSITIVES_PER_CLUSTER = 6  # k = positives // 6, at most MAX_CLUSTERS: a cluster needs a few examples to mean much
MAX_CLUSTERS = 4
RANDOM_NEGATIVES = 200  # sampled papers standing in for "everything else"
DISMISSAL_WEIGHT = 3.0  # a "not interested" says more than a random paper
REGULARISATION_C = 1.0


@dataclass(frozen=True)
class InterestModel:
    weights: Vectors  # (k, d): one linear scorer per interest cluster
    biases: Vectors  # (k,)

    def score(self, matrix: Vectors) -> Vectors:
        """Scores of the rows of ``matrix`` (higher: more interesting), the max over interest clusters."""
        if len(matrix) == 0:
            return np.zeros(0, dtype=np.float32)
        logits: Vectors = matrix @ self.weights.T
        # Column by column: ``logits.max(axis=1)`` on an (n, k) array with k <= 4 is a strided reduction, 15x
        # slower than k vector maxima (5 ms against 0.3 ms at 100,000 papers).
        best: Vectors = logits[:, 0] + self.biases[0]
        for cluster in range(1, len(self.biases)):
            np.maximum(best, logits[:, cluster] + self.biases[cluster], out=best)
        return best

    def to_bytes(self) -> tuple[bytes, bytes]:
        return self.weights.astype(BLOB_DTYPE).tobytes(), self.biases.astype(BLOB_DTYPE).tobytes()

    @classmethod
    def from_bytes(cls, weights: bytes, biases: bytes, dim: int) -> InterestModel:
        w = np.frombuffer(weights, dtype=BLOB_DTYPE).reshape(-1, dim).astype(np.float32)
        return cls(w, np.frombuffer(biases, dtype=BLOB_DTYPE).astype(np.float32))


def cluster_count(positives: int) -> int:
    return max(1, min(MAX_CLUSTERS, positives // POSITIVES_PER_CLUSTER))


def fit(positives: Vectors, dismissed: Vectors, background: Vectors, seed: int = 0) -> InterestModel | None:
    """Fit the model; None when there are fewer than ``MIN_POSITIVES`` positives."""
    if len(positives) < MIN_POSITIVES:
        return None
    # Imported here: scikit-learn costs ~1 s and ~60 MB to import, and only the process that fits needs it
    # (web processes only score, with numpy).
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression

    k = cluster_count(len(positives))
    if k > 1:
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(positives)
    else:
        labels = np.zeros(len(positives), dtype=np.int64)
    negatives = np.concatenate([dismissed, background]) if len(dismissed) else background
    negative_weights = np.concatenate([np.full(len(dismissed), DISMISSAL_WEIGHT), np.ones(len(background))])
    weights, biases = [], []
    for cluster in range(k):
        members = positives[labels == cluster]
        if len(members) == 0:
            continue
        x = np.concatenate([members, negatives])
        y = np.concatenate([np.ones(len(members)), np.zeros(len(negatives))])
        sample_weight = np.concatenate([np.ones(len(members)), negative_weights])
        model = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=500)
        model.fit(x, y, sample_weight=sample_weight)
        weights.append(model.coef_[0])
        biases.append(model.intercept_[0])
    return InterestModel(np.asarray(weights, dtype=np.float32), np.asarray(biases, dtype=np.float32))


def nearest(positives: Vectors, candidates: Vectors) -> npt.NDArray[np.int64]:
    """For each candidate, the index of the most similar positive: the "because you liked …" explanation."""
    if len(positives) == 0 or len(candidates) == 0:
        return np.zeros(len(candidates), dtype=np.int64)
    result: npt.NDArray[np.int64] = (candidates @ positives.T).argmax(axis=1)
    return result
