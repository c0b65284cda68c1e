"""Benchmark: harvest the 10,000 recorded OAI-PMH records from a loopback server, politeness off.

The server replays the ten consecutive ``ListRecords`` pages of ``../shared/data/arxiv_oai_bulk_2007`` from
their gzipped copies in ``tests/fixtures/oai_bulk`` (so this runs on a fresh clone too). Measured: HTTP and
parsing alone, then the full harvest (HTTP, parsing, upserting, keyword indexing, a checkpoint per page) into a
fresh SQLite database and, when reachable, a fresh PostgreSQL database; records/s for each. The keyword index is
maintained inside the same transactions (FTS5 triggers on SQLite, a generated tsvector column on PostgreSQL).

    .venv/bin/python benchmarks/ingest_oai.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dailypapers.config import Settings  # noqa: E402
from dailypapers.db import Database  # noqa: E402
from dailypapers.ingest.harvest import harvest_oai  # noqa: E402
from dailypapers.migrations import upgrade  # noqa: E402
from dailypapers.sources.arxiv_oai import HarvestParams, OaiHarvester  # noqa: E402
from dailypapers.sources.http import SourceClient  # noqa: E402
from tests.replay import BULK_RECORDS, ReplayServer  # noqa: E402

POSTGRES_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def _parse_only(settings: Settings) -> float:
    started = time.perf_counter()
    records = 0
    with SourceClient(settings) as client:
        for page in OaiHarvester(client, settings.arxiv_oai_url).pages(HarvestParams()):
            records += len(page.records)
    assert records == BULK_RECORDS, records
    return time.perf_counter() - started


def _harvest(settings: Settings) -> float:
    upgrade(settings)
    db = Database.from_settings(settings)
    try:
        started = time.perf_counter()
        with SourceClient(settings) as client:
            summary = harvest_oai(db, OaiHarvester(client, settings.arxiv_oai_url), HarvestParams())
        elapsed = time.perf_counter() - started
        assert summary.new == BULK_RECORDS, summary
        return elapsed
    finally:
        db.dispose()


def _postgres_database() -> str | None:
    try:
        with psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=3) as admin:
            name = f"dailypapers_bench_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            return name
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable ({exc}); skipping it")
        return None


def _drop(name: str) -> None:
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is shown)")
    args = parser.parse_args()

    server = ReplayServer().start()
    base = {"arxiv_oai_url": f"{server.url}/oai", "arxiv_delay_seconds": 0.0}
    try:
        parse = [_parse_only(Settings(**base)) for _ in range(args.repeat)]
        sqlite = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as directory:
                sqlite.append(_harvest(Settings(data_dir=Path(directory), database_url=None, **base)))
        postgres = []
        for _ in range(args.repeat):
            name = _postgres_database()
            if name is None:
                break
            try:
                postgres.append(_harvest(Settings(database_url=f"postgresql://postgres@127.0.0.1:5432/{name}", **base)))
            finally:
                _drop(name)
    finally:
        server.stop()

    print(f"corpus: {BULK_RECORDS:,} records in 10 OAI-PMH pages from a loopback replay server, politeness off")
    print(f"median of {args.repeat} runs\n")
    print_rates(
        "stage",
        [
            ("HTTP + parse (no database)", parse),
            ("harvest into SQLite (parse, upsert, checkpoint)", sqlite),
            ("harvest into PostgreSQL", postgres),
        ],
    )
    return 0


def print_rates(heading: str, rows: list[tuple[str, list[float]]], width: int = 46) -> None:
    """A table of median seconds and records/s per measured stage (stages without runs are left out)."""
    print(f"{heading:<{width}} {'seconds':>8} {'records/s':>10}")
    for label, times in rows:
        if times:
            median = statistics.median(times)
            print(f"{label:<{width}} {median:>8.2f} {BULK_RECORDS / median:>10,.0f}")


if __name__ == "__main__":
    raise SystemExit(main())
