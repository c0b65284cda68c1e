"""Benchmark: search latency (keyword, vector, hybrid incl. the query embedding) at 10k and 100k papers, SQLite.

Corpus: real titles and abstracts (Hugging Face daily papers, arXiv daily listings, the 2007 OAI pages, SciFact,
from ``../shared/data``) resampled up to each size; each copy gets another real paper's title, so term statistics
stay realistic. Vectors: the bundled model embeds ``--real-vectors`` real abstracts; the rest are noisy copies of
those (normalised ``v + N(0, sigma)``), as embedding 100k abstracts would take over an hour on 2 cores.
Queries: real paper titles and SciFact claims, run warm. Also printed: vector index memory, and exact-vs-exact
recall is 1.0 by construction (the index is an exact numpy scan; an ANN index would be measured here).

    .venv/bin/python benchmarks/search_speed.py [--sizes 10000,100000] [--queries 200]
    .venv/bin/python benchmarks/search_speed.py --sizes 100000 --corpus-dir /tmp/corpus [--backend postgresql]

``--corpus-dir`` keeps the corpus (one size) and reuses it on the next run, so code before and after a change can
be timed back to back on the same papers (building 100k papers with pgvector takes 3-7 minutes here).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from dailypapers.config import Settings  # noqa: E402
from dailypapers.db import Database, utcnow  # noqa: E402
from dailypapers.ingest.upserts import upsert_papers  # noqa: E402
from dailypapers.migrations import upgrade  # noqa: E402
from dailypapers.papers.models import Paper  # noqa: E402
from dailypapers.papers.records import PaperRecord, clean_abstract, clean_line  # noqa: E402
from dailypapers.search.embedder import get_embedder, paper_text  # noqa: E402
from dailypapers.search.keyword import KeywordBackend  # noqa: E402
from dailypapers.search.models import PaperVector  # noqa: E402
from dailypapers.search.query import parse_query  # noqa: E402
from dailypapers.search.services import Mode, SearchEngine  # noqa: E402
from dailypapers.search.tasks import embed_pending  # noqa: E402
from dailypapers.search.vectors.format import to_blob  # noqa: E402
from dailypapers.search.vectors.memory import AnnIndex  # noqa: E402
from dailypapers.search.vectors.pgvector import PgVectorIndex  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
POSTGRES_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def real_papers() -> list[tuple[str, str]]:
    papers: list[tuple[str, str]] = []
    for path in sorted((DATA / "hf_daily_papers" / "days").glob("*.json")):
        try:
            items = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(items, list):
            papers += [(i["paper"]["title"], i["paper"]["summary"]) for i in items if isinstance(i, dict)]
    for path in sorted((DATA / "arxiv_daily_listings").rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if row.get("title") and row.get("abstract"):
                papers.append((row["title"], row["abstract"]))
    for path in sorted((DATA / "eval_scifact").glob("corpus-part*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            abstract = " ".join(row["abstract"]) if isinstance(row["abstract"], list) else row["abstract"]
            papers.append((row["title"], abstract))
    return [(clean_line(t), clean_abstract(a)) for t, a in dict.fromkeys(papers) if t and a]


def build(
    size: int, papers: list[tuple[str, str]], real_vectors: np.ndarray, directory: Path, database_url: str | None
) -> Settings:
    settings = Settings(data_dir=directory, database_url=database_url)
    upgrade(settings)
    db = Database.from_settings(settings)
    rng = random.Random(size)
    model = get_embedder(settings)
    records = []
    for n in range(size):
        title, abstract = papers[n] if n < len(papers) else (rng.choice(papers)[0], rng.choice(papers)[1])
        records.append(
            PaperRecord(
                arxiv_id=arxiv_id(n),
                title=title,
                abstract=abstract,
                authors=(f"Author {rng.randrange(50_000)}",),
            )
        )
    started = time.perf_counter()
    for start in range(0, size, 5000):
        with db.write() as session:
            upsert_papers(session, records[start : start + 5000])
    print(f"  stored and keyword-indexed {size:,} papers in {time.perf_counter() - started:.1f} s")
    noise = np.random.default_rng(size)
    with db.read() as session:
        ids = list(session.scalars(select(Paper.id).order_by(Paper.id)))
    now = utcnow()
    for start in range(0, len(ids), 20_000):
        chunk = ids[start : start + 20_000]
        base = real_vectors[noise.integers(0, len(real_vectors), len(chunk))]
        vectors = base + noise.normal(0, 0.03, base.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with db.write() as session:
            session.execute(
                PaperVector.__table__.insert(),
                [  # type: ignore[attr-defined]
                    {
                        "paper_id": pid,
                        "model": model.model_id,
                        "dim": model.dim,
                        "vector": to_blob(v),
                        "created_at": now,
                    }
                    for pid, v in zip(chunk, vectors, strict=True)
                ],
            )
    db.dispose()
    return settings


def _pipeline_speed(sample: list[tuple[str, str]]) -> float:
    """Papers per second through the embedding job (database read, model, database write)."""
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(data_dir=Path(directory), database_url=None)
        upgrade(settings)
        db = Database.from_settings(settings)
        records = [
            PaperRecord(arxiv_id=f"2001.{i:05d}", title=t, abstract=a, authors=("A. Author",))
            for i, (t, a) in enumerate(sample)
        ]
        with db.write() as session:
            upsert_papers(session, records)
        started = time.perf_counter()
        done = embed_pending(db, get_embedder(settings))
        elapsed = time.perf_counter() - started
        db.dispose()
    return done / elapsed


@contextmanager
def _database(backend: str, kept: Path | None = None) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    if kept is not None:  # one database per kept corpus directory, left in place for the next run
        name = f"dailypapers_bench_{kept.resolve().name}"
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
        return
    name = f"dailypapers_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def vectors_only(real_vectors: np.ndarray, sizes: list[int], nprobe: int) -> None:
    """Exact scan vs faiss IVF at sizes too large to store as papers here: mixtures of two real embeddings plus
    noise (so neighbourhoods are not trivially tight), 100 queries drawn the same way."""
    rng = np.random.default_rng(3)

    def synthetic(n: int) -> np.ndarray:
        out = np.empty((n, real_vectors.shape[1]), dtype=np.float32)
        for start in range(0, n, 100_000):
            m = min(100_000, n - start)
            a = real_vectors[rng.integers(0, len(real_vectors), m)]
            b = real_vectors[rng.integers(0, len(real_vectors), m)]
            w = rng.uniform(0.5, 1.0, (m, 1)).astype(np.float32)
            block = w * a + (1 - w) * b + rng.normal(0, 0.02, a.shape).astype(np.float32)
            out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
        return out

    print(f"\n{'vectors':>9} {'index':<14} {'p50 ms':>8} {'p99 ms':>8} {'recall@10':>10} {'build s':>8} {'MB':>6}")
    for n in sizes:
        matrix = synthetic(n)
        ids = np.arange(n, dtype=np.int64)
        queries = synthetic(100)
        exact_hits, exact_ms = [], []
        for q in queries:
            t = time.perf_counter()
            scores = matrix @ q
            top = np.argpartition(-scores, 10)[:10]
            exact_ms.append((time.perf_counter() - t) * 1000)
            exact_hits.append(set(top.tolist()))
        mb = matrix.nbytes / 2**20
        print(f"{n:>9,} {'exact numpy':<14} {percentiles(exact_ms)} {1.0:>10.3f} {0.0:>8.1f} {mb:>6.0f}")
        started = time.perf_counter()
        ann = AnnIndex(matrix, ids, nprobe)
        build = time.perf_counter() - started
        ann_ms, recall = [], []
        for q, truth in zip(queries, exact_hits, strict=True):
            t = time.perf_counter()
            hits = ann.search(q, 10)
            ann_ms.append((time.perf_counter() - t) * 1000)
            recall.append(len({i for i, _ in hits} & truth) / 10)
        label = f"faiss IVF np{nprobe}"
        print(f"{n:>9,} {label:<14} {percentiles(ann_ms)} {np.mean(recall):>10.3f} {build:>8.1f} {mb:>6.0f}")
        del matrix, ann


def arxiv_id(n: int) -> str:
    """The stand-in arXiv id of the corpus's n-th record (see build)."""
    return f"{2001 + n // 99999:04d}.{n % 99999:05d}"


def scifact_keyword_quality(
    keyword: KeywordBackend, session: Session, papers: list[tuple[str, str]], size: int
) -> tuple[int, float, float]:
    """SciFact train claims over this corpus, keyword mode: (claims, nDCG@10, recall@100). Its abstracts are among
    the first real papers, so they are stored as themselves; unlike benchmarks/search_quality.py (5,183 abstracts)
    this shows what caps on the scored rows cost at full size, on either database."""
    position = {paper: n for n, paper in enumerate(papers[:size])}
    stand_in: dict[str, str] = {}
    for part in sorted((DATA / "eval_scifact").glob("corpus-part*.jsonl")):
        for line in part.read_text().splitlines():
            row = json.loads(line)
            abstract = " ".join(row["abstract"]) if isinstance(row["abstract"], list) else row["abstract"]
            n = position.get((clean_line(row["title"]), clean_abstract(abstract)))
            if n is not None:
                stand_in[str(row["doc_id"])] = arxiv_id(n)
    relevant: dict[str, set[str]] = defaultdict(set)
    for line in (DATA / "eval_scifact" / "qrels" / "train.tsv").read_text().splitlines()[1:]:
        claim_id, doc_id, score = line.split("\t")
        if int(score) > 0 and doc_id in stand_in:
            relevant[claim_id].add(stand_in[doc_id])
    arxiv = dict(session.execute(select(Paper.id, Paper.arxiv_id)).all())
    ndcg, recall = [], []
    for line in (DATA / "eval_scifact" / "claims_train.jsonl").read_text().splitlines():
        claim = json.loads(line)
        wanted = relevant.get(str(claim["id"]))
        if not wanted:
            continue
        ranked = [arxiv[i] for i, _ in keyword.search(session, parse_query(claim["claim"][:1000]), 100)]
        dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:10]) if doc in wanted)
        ndcg.append(dcg / sum(1 / math.log2(i + 2) for i in range(min(len(wanted), 10))))
        recall.append(len(set(ranked) & wanted) / len(wanted))
    return len(ndcg), statistics.mean(ndcg), statistics.mean(recall)


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return f"{statistics.median(samples):>8.2f} {p99:>8.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--real-vectors", type=int, default=600)
    parser.add_argument(
        "--vectors", default="", help="also time exact vs IVF on N synthetic vectors, e.g. 100000,1000000"
    )
    parser.add_argument("--nprobe", type=int, default=32)
    parser.add_argument(
        "--corpus-dir", type=Path, help="build the corpus (one size) here once and reuse it on later runs"
    )
    parser.add_argument(
        "--quality", action="store_true", help="also SciFact train claims over each corpus: keyword nDCG@10, recall@100"
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="postgresql: a throwaway database on 127.0.0.1:5432 (pgvector HNSW when available)",
    )
    args = parser.parse_args()
    if not (DATA / "hf_daily_papers").is_dir():
        print(f"missing data: {DATA / 'hf_daily_papers'} (this benchmark resamples ../shared/data)")
        return 2
    papers = real_papers()
    rng = random.Random(7)
    embedder = get_embedder(Settings())
    sample = rng.sample(papers, args.real_vectors)
    started = time.perf_counter()
    real_vectors = embedder.embed([paper_text(t, a) for t, a in sample])
    raw_speed = args.real_vectors / (time.perf_counter() - started)
    queries = [t for t, _ in rng.sample(papers, args.queries // 2)]
    claims = DATA / "eval_scifact" / "claims_train.jsonl"
    if claims.exists():
        queries += [json.loads(line)["claim"] for line in claims.read_text().splitlines()[: args.queries // 2]]
    print(f"{len(papers):,} distinct real papers; {len(queries)} queries; model {embedder.model_id}")
    if args.corpus_dir is None:
        pipeline_speed = _pipeline_speed(sample)
        print(
            f"embedding {args.real_vectors} real abstracts: raw model {raw_speed:.1f}/s, the embed job (read, "
            f"embed, store) {pipeline_speed:.1f}/s = {pipeline_speed / raw_speed:.0%} of raw\n"
        )
    if args.vectors:
        vectors_only(real_vectors, [int(n) for n in args.vectors.split(",")], args.nprobe)
        if not args.sizes:
            return 0
    print(f"{'papers':>8} {'mode':<9} {'p50 ms':>8} {'p99 ms':>8}")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.corpus_dir is not None and len(sizes) != 1:
        parser.error("--corpus-dir keeps one corpus: give one size")
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch, _database(args.backend, args.corpus_dir) as database_url:
            directory = Path(scratch) if args.corpus_dir is None else args.corpus_dir
            built = directory / f"built-{size}-{args.backend}"
            if built.exists():
                settings = Settings(data_dir=directory, database_url=database_url)
                print(f"  reusing the {size:,} papers kept in {directory}")
            else:
                directory.mkdir(parents=True, exist_ok=True)
                settings = build(size, papers, real_vectors, directory, database_url)
            if args.backend == "postgresql" and not built.exists():
                started = time.perf_counter()
                with Database.from_settings(settings).engine.connect() as connection:
                    has_vector = connection.exec_driver_sql(
                        "SELECT 1 FROM information_schema.columns WHERE column_name = 'embedding'"
                    ).first()
                if has_vector:
                    PgVectorIndex(Database.from_settings(settings), embedder.model_id, embedder.dim).sync()
                    print(f"  filled pgvector column and HNSW index in {time.perf_counter() - started:.1f} s")
            if args.corpus_dir is not None:
                built.write_text("complete\n")
            db = Database.from_settings(settings)
            engine = SearchEngine(db, settings, embedder)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            engine.refresh_now()  # what a server's refresher thread does at start
            index = engine.index
            if hasattr(index, "wait_for_ann"):
                index.wait_for_ann()  # a running server builds it once in the background
            index_mb = index.matrix.nbytes / 2**20 if hasattr(index, "matrix") else 0.0
            parsed = [parse_query(q[:1000]) for q in queries]
            with db.read() as session:
                for mode in (Mode.keyword, Mode.semantic, Mode.hybrid):
                    for q in parsed:  # warm: caches (term statistics, pages) as in a running server
                        engine.ranked_ids(session, q, mode, 20)  # warm-up
                    timings = []
                    for q in parsed:
                        t = time.perf_counter()
                        engine.ranked_ids(session, q, mode, 20)
                        timings.append((time.perf_counter() - t) * 1000)
                    label = "vector" if mode is Mode.semantic else mode.value
                    print(f"{size:>8,} {label:<9} {percentiles(timings)}")
                if args.quality:
                    judged, ndcg, recall = scifact_keyword_quality(engine.keyword, session, papers, size)
                    print(f"{size:>8,} keyword on {judged} SciFact claims: nDCG@10 {ndcg:.4f}, recall@100 {recall:.4f}")
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(f"{size:>8,} vector index {index_mb:.0f} MB in memory (peak RSS +{(after - before) / 1024:.0f} MB)\n")
            db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
