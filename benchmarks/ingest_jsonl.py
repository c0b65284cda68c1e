"""Benchmark: ``dailypapers import jsonl`` of 10,000 real records into a fresh SQLite and PostgreSQL database.

The records are the 10,000 recorded OAI-PMH records of ``tests/fixtures/oai_bulk`` (real titles, abstracts and
author lists, so the author table grows as in a real import), written out in the Kaggle
arxiv-metadata-oai-snapshot format that ``import jsonl`` reads. Measured: the command run in this process
(reading, parsing, batches of 1,000 upserted, keyword index maintained), records/s, median of ``--repeat``.

    .venv/bin/python benchmarks/ingest_jsonl.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from benchmarks.ingest_oai import _drop, _postgres_database, print_rates  # noqa: E402
from dailypapers.cli import app as cli  # noqa: E402
from dailypapers.config import Settings  # noqa: E402
from dailypapers.migrations import upgrade  # noqa: E402
from dailypapers.papers.records import PaperRecord  # noqa: E402
from dailypapers.sources.arxiv_oai import MetadataFormat, parse_list_records  # noqa: E402
from tests.replay import BULK_PAGES, BULK_RECORDS, bulk_page  # noqa: E402


def _kaggle_line(record: PaperRecord) -> str:
    created = record.published_at
    return json.dumps(
        {
            "id": record.arxiv_id,
            "title": record.title,
            "abstract": record.abstract,
            "authors": ", ".join(record.authors),
            "authors_parsed": [[name, "", ""] for name in record.authors],
            "categories": " ".join(record.categories or ()),
            "comments": record.comment,
            "journal-ref": record.journal_ref,
            "doi": record.doi,
            "versions": [{"version": "v1", "created": email.utils.format_datetime(created) if created else None}],
        }
    )


def write_corpus(path: Path) -> None:
    with path.open("w") as out:
        for index in range(BULK_PAGES):
            for record in parse_list_records(bulk_page(index), f"page {index}", MetadataFormat.arxiv).records:
                out.write(_kaggle_line(record) + "\n")


def _import(corpus: Path, settings: Settings) -> float:
    upgrade(settings)
    os.environ["DAILYPAPERS_DATA_DIR"] = str(settings.data_dir)
    os.environ.pop("DAILYPAPERS_DATABASE_URL", None)
    if settings.database_url:
        os.environ["DAILYPAPERS_DATABASE_URL"] = settings.database_url
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["import", "jsonl", str(corpus)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0 and f"{BULK_RECORDS} new" in result.output, result.output
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus.jsonl"
        write_corpus(corpus)
        sqlite, postgres = [], []
        for run in range(args.repeat):
            directory = Path(scratch) / f"sqlite{run}"
            sqlite.append(_import(corpus, Settings(data_dir=directory, database_url=None)))
        for _ in range(args.repeat):
            name = _postgres_database()
            if name is None:
                break
            try:
                url = f"postgresql://postgres@127.0.0.1:5432/{name}"
                postgres.append(_import(corpus, Settings(data_dir=Path(scratch), database_url=url)))
            finally:
                _drop(name)
    print(f"corpus: {BULK_RECORDS:,} real records (the OAI bulk fixture) as Kaggle JSON lines; median of {args.repeat}")
    print_rates("import jsonl into", [("SQLite", sqlite), ("PostgreSQL", postgres)], width=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
