"""Benchmark: search quality on SciFact train (claims as queries over 5,183 abstracts), nDCG@10 and recall@100.

The corpus is written in the Kaggle arXiv JSON-lines format (each SciFact document gets a stand-in arXiv id,
``2001.NNNNN``) and imported with ``dailypapers import jsonl``, embedded with ``dailypapers index embed`` (the
bundled model, ~4 minutes on 2 cores; the embedded database is kept in ``benchmarks/results/`` for reruns), then
every train claim is searched in keyword, semantic and hybrid mode through ``SearchEngine``. Prints the three side
by side, and hybrid for a few RRF constants (tuning uses the train split only; dev is held out upstream).

    .venv/bin/python benchmarks/search_quality.py [--data ../shared/data/eval_scifact] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dailypapers.config import Settings  # noqa: E402
from dailypapers.db import Database  # noqa: E402
from dailypapers.search.query import InvalidQuery, parse_query  # noqa: E402
from dailypapers.search.services import Mode, SearchEngine  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "eval_scifact"
WORK = ROOT / "benchmarks" / "results" / "scifact"
CLI = [sys.executable, "-m", "dailypapers"]


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:10]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return dcg / ideal if ideal else 0.0


def recall_at_100(ranked: list[str], relevant: set[str]) -> float:
    return len(set(ranked[:100]) & relevant) / len(relevant) if relevant else 0.0


def build(data: Path, env: dict[str, str]) -> dict[str, str]:
    """Import and embed the corpus (once); returns SciFact doc id -> stand-in arXiv id."""
    docs = []
    for part in sorted(data.glob("corpus-part*.jsonl")):
        docs += [json.loads(line) for line in part.read_text().splitlines() if line.strip()]
    mapping = {str(doc["doc_id"]): f"2001.{i:05d}" for i, doc in enumerate(docs)}
    (WORK / "ids.json").write_text(json.dumps(mapping))
    if (WORK / "ready").exists():
        return mapping
    jsonl = WORK / "corpus.jsonl"
    with jsonl.open("w") as out:
        for doc in docs:
            abstract = " ".join(doc["abstract"]) if isinstance(doc["abstract"], list) else doc["abstract"]
            record = {
                "id": mapping[str(doc["doc_id"])],
                "title": doc["title"] or "(untitled)",
                "abstract": abstract,
                "authors": "",
                "categories": "q-bio",
                "versions": [],
            }
            out.write(json.dumps(record) + "\n")
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True)
    subprocess.run([*CLI, "import", "jsonl", str(jsonl)], env=env, check=True)
    started = time.perf_counter()
    subprocess.run([*CLI, "index", "embed"], env=env, check=True)
    print(f"embedded {len(docs):,} abstracts in {time.perf_counter() - started:.0f} s")
    (WORK / "ready").write_text("ok")
    return mapping


def evaluate(
    engine: SearchEngine, db: Database, claims: list[dict[str, object]], qrels: dict[str, set[str]], mode: Mode
) -> tuple[float, float, float]:
    ndcg, recall, seconds = [], [], []
    with db.read() as session:
        from sqlalchemy import select

        from dailypapers.papers.models import Paper

        arxiv = dict(session.execute(select(Paper.id, Paper.arxiv_id)).all())
        for claim in claims:
            relevant = qrels.get(str(claim["id"]), set())
            if not relevant:
                continue
            try:
                query = parse_query(str(claim["claim"])[:1000])
            except InvalidQuery:
                ndcg.append(0.0)
                recall.append(0.0)
                continue
            started = time.perf_counter()
            ranked = [arxiv[i] for i, _ in engine.ranked_ids(session, query, mode, 100)]
            seconds.append(time.perf_counter() - started)
            ndcg.append(ndcg_at_10(ranked, relevant))
            recall.append(recall_at_100(ranked, relevant))
    return sum(ndcg) / len(ndcg), sum(recall) / len(recall), sorted(seconds)[len(seconds) // 2] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rebuild", action="store_true", help="re-import and re-embed the corpus")
    args = parser.parse_args()
    needed = [args.data / "claims_train.jsonl", args.data / "qrels" / "train.tsv"]
    if not all(p.exists() for p in needed) or not list(args.data.glob("corpus-part*.jsonl")):
        print(f"missing data: need {', '.join(map(str, needed))} and corpus-part*.jsonl under {args.data}")
        return 2
    if args.rebuild and WORK.exists():
        for path in WORK.iterdir():
            path.unlink()
    WORK.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(WORK), "DAILYPAPERS_DATABASE_URL": ""}
    mapping = build(args.data, env)

    claims = [json.loads(line) for line in (args.data / "claims_train.jsonl").read_text().splitlines() if line]
    qrels: dict[str, set[str]] = defaultdict(set)
    for line in (args.data / "qrels" / "train.tsv").read_text().splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")
        if int(score) > 0 and doc_id in mapping:
            qrels[query_id].add(mapping[doc_id])

    settings = Settings(data_dir=WORK, database_url=None)
    db = Database.from_settings(settings)
    engine = SearchEngine(db, settings)
    engine.refresh_now()  # no refresher thread here: load the vectors once
    evaluated = sum(1 for c in claims if qrels.get(str(c["id"])))
    print(
        f"SciFact train: {evaluated} claims with judgments, {len(mapping):,} abstracts; "
        f"embedder {engine.embedder.model_id}\n"
    )
    print(f"{'mode':<22} {'nDCG@10':>8} {'recall@100':>11} {'p50 ms':>8}")
    for mode in (Mode.keyword, Mode.semantic, Mode.hybrid):
        ndcg, recall, p50 = evaluate(engine, db, claims, qrels, mode)
        print(f"{mode.value:<22} {ndcg:>8.4f} {recall:>11.4f} {p50:>8.1f}")
    print()
    for k in (10, 30, 60, 100):
        tuned = SearchEngine(db, settings.model_copy(update={"search_rrf_k": k}), engine.embedder)
        tuned.refresh_now()
        ndcg, recall, _ = evaluate(tuned, db, claims, qrels, Mode.hybrid)
        print(f"{'hybrid, RRF k=' + str(k):<22} {ndcg:>8.4f} {recall:>11.4f}")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
