import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from dailypapers.papers.records import PaperRecord
from dailypapers.sources import arxiv_kaggle
from dailypapers.sources.arxiv_kaggle import MalformedRecord, iter_records, parse_record
from tests.conftest import FIXTURES

SNAPSHOT = FIXTURES / "kaggle" / "snapshot-head50.jsonl"
UNARXIVE = FIXTURES / "kaggle" / "unarXive_2212_086.metadata.jsonl"


def _records(path: Path) -> list[PaperRecord]:
    out = []
    for _, result in iter_records(path):
        assert isinstance(result, PaperRecord), result
        out.append(result)
    return out


def test_reads_the_snapshot_format() -> None:
    records = _records(SNAPSHOT)
    assert len(records) == 50
    first = records[0]
    assert first.arxiv_id == "0704.0001"
    assert first.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert first.categories == ("hep-ph",)
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"
    assert first.comment == "37 pages, 15 figures; published version"
    assert first.version == 2
    assert first.published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=dt.UTC)
    assert first.updated_at is not None and first.updated_at > first.published_at
    assert first.abstract.startswith("A fully differential calculation")


def test_reads_recent_records_with_several_categories() -> None:
    records = _records(UNARXIVE)
    assert len(records) == 49
    assert all(r.arxiv_id.startswith("2212.") for r in records)
    assert any(len(r.categories or ()) > 1 for r in records)


def test_author_string_fallback_decodes_latex_and_drops_affiliations() -> None:
    record = parse_record(
        {
            "id": "0704.0001",
            "title": "T",
            "abstract": "A",
            "authors": "C. Bal\\'azs (Argonne), E. L. Berger and P. Nadolsky",
            "categories": "hep-ph",
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
        }
    )
    assert record.authors == ("C. Balázs", "E. L. Berger", "P. Nadolsky")


def test_bad_lines_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    good = SNAPSHOT.read_text().splitlines()[:2]
    path = tmp_path / "mixed.jsonl.gz"
    lines = [good[0], "{not json", json.dumps({"id": "nope", "title": "x"}), "", good[1]]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode() + b"\xff\xfe\n"))
    results = list(iter_records(path))
    kinds = [(line, type(result).__name__) for line, result in results]
    assert kinds == [
        (1, "PaperRecord"),
        (2, "MalformedRecord"),
        (3, "MalformedRecord"),
        (5, "PaperRecord"),
        (6, "MalformedRecord"),
    ]
    messages = [str(r) for _, r in results if isinstance(r, MalformedRecord)]
    assert "invalid JSON" in messages[0]
    assert "not an arXiv id" in messages[1]
    assert "not valid UTF-8" in messages[2]


def test_an_overlong_line_is_skipped_and_the_next_one_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arxiv_kaggle, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    short = json.dumps({"id": "0704.0001", "title": "T", "abstract": "A", "authors": "X", "versions": []})
    path.write_text("x" * 5000 + "\n" + short + "\n")
    results = list(iter_records(path))
    assert isinstance(results[0][1], MalformedRecord) and "5,001 bytes, over the 1,000 limit" in str(results[0][1])
    assert results[1][0] == 2 and isinstance(results[1][1], PaperRecord)
