"""Benchmark: embedding by one worker process against two, sharing the work through claimed batches.

Real abstracts: the first ``--papers`` of the 10,000 recorded OAI-PMH records (``tests/fixtures/oai_bulk``,
harvested from a loopback replay server, so this runs on a fresh clone), embedded with the bundled
all-MiniLM-L6-v2 by ``dailypapers worker --once --job embed`` processes, in a fresh PostgreSQL database (or
SQLite with ``--sqlite``). Each configuration's wall time includes starting the processes and loading the
model; ``startup`` (the same command with nothing to embed) is subtracted for the docs/s column.
Configurations: onnxruntime threads per worker (0: one per core) x number of workers.

    .venv/bin/python benchmarks/embed_workers.py [--papers 640] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest_oai import _drop, _postgres_database  # noqa: E402
from dailypapers.config import Settings  # noqa: E402
from dailypapers.db import Database  # noqa: E402
from dailypapers.ingest.harvest import harvest_oai  # noqa: E402
from dailypapers.migrations import upgrade  # noqa: E402
from dailypapers.papers.models import Paper  # noqa: E402
from dailypapers.search.models import PaperVector  # noqa: E402
from dailypapers.sources.arxiv_oai import HarvestParams, OaiHarvester  # noqa: E402
from dailypapers.sources.http import SourceClient  # noqa: E402
from tests.replay import ReplayServer  # noqa: E402

WORKER = [sys.executable, "-m", "dailypapers", "worker", "--once", "--job", "embed"]
CONFIGS = ((0, 1), (1, 1), (1, 2), (0, 2))  # (threads per worker, workers)


def _keep_first(db: Database, papers: int) -> None:
    with db.write() as session:
        ids = session.scalars(select(Paper.id).order_by(Paper.id).offset(papers)).all()
        for start in range(0, len(ids), 500):
            session.execute(delete(Paper).where(Paper.id.in_(ids[start : start + 500])))


def _run(env: dict[str, str], threads: int, workers: int) -> float:
    env = {**env, "DAILYPAPERS_EMBEDDING_THREADS": str(threads)}
    started = time.perf_counter()
    processes = [subprocess.Popen(WORKER, env=env, stdout=subprocess.DEVNULL) for _ in range(workers)]
    codes = [p.wait() for p in processes]
    assert codes == [0] * workers, codes
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=640, help="papers to embed per configuration")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    directory = tempfile.TemporaryDirectory()
    name = None if args.sqlite else _postgres_database()
    if not args.sqlite and name is None:
        return 1
    url = f"postgresql://postgres@127.0.0.1:5432/{name}" if name else None
    settings = Settings(data_dir=Path(directory.name), database_url=url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    env["DAILYPAPERS_DATA_DIR"] = directory.name
    if url:
        env["DAILYPAPERS_DATABASE_URL"] = url
    try:
        server = ReplayServer().start()
        try:
            local = settings.model_copy(update={"arxiv_oai_url": f"{server.url}/oai", "arxiv_delay_seconds": 0.0})
            upgrade(local)
            db = Database.from_settings(local)
            with SourceClient(local) as client:
                harvest_oai(db, OaiHarvester(client, local.arxiv_oai_url), HarvestParams())
        finally:
            server.stop()
        _keep_first(db, args.papers)
        rows = []
        for threads, workers in CONFIGS:
            with db.write() as session:
                session.execute(delete(PaperVector))
            seconds = _run(env, threads, workers)
            with db.read() as session:
                stored = session.scalar(select(func.count()).select_from(PaperVector))
            assert stored == args.papers, stored
            rows.append((threads, workers, seconds))
        startup = _run(env, 0, 1)  # every paper has its vector now: process start + model load + one query
    finally:
        db.dispose()
        if name:
            _drop(name)
        directory.cleanup()
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"{args.papers} real abstracts, all-MiniLM-L6-v2 (onnxruntime), {backend}, {os.cpu_count()} cores")
    print(f"startup (process + model load, nothing to embed): {startup:.1f} s\n")
    print(f"{'threads/worker':>14} {'workers':>8} {'wall s':>8} {'docs/s':>8}")
    for threads, workers, seconds in rows:
        rate = args.papers / max(seconds - startup, 1e-9)
        print(f"{threads or 'all':>14} {workers:>8} {seconds:>8.1f} {rate:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
