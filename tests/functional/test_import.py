"""Importing through the real services and CLI, on SQLite and PostgreSQL."""

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import Author, DailyEntry, Paper, PaperAuthor
from dailypapers.ranking.hotness import trending_score
from tests.conftest import FIXTURES, HF_DAYS
from tests.factories import load_days

runner = CliRunner()


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _snapshot(db: Database) -> list[tuple[object, ...]]:
    with db.read() as session:
        papers = session.execute(
            select(
                Paper.arxiv_id,
                Paper.title,
                Paper.abstract,
                Paper.upvotes,
                Paper.trending_score,
                Paper.github_repo,
                Paper.modified_at,
            ).order_by(Paper.arxiv_id)
        ).all()
        authors = session.execute(
            select(PaperAuthor.paper_id, PaperAuthor.position, PaperAuthor.author_id).order_by(
                PaperAuthor.paper_id, PaperAuthor.position
            )
        ).all()
        entries = session.execute(select(DailyEntry.paper_id, DailyEntry.day, DailyEntry.submitted_at)).all()
    return [tuple(r) for r in [*papers, *authors, *entries]]


def test_import_stores_papers_authors_and_entries(db: Database) -> None:
    summary = load_days(db)
    assert (summary.new, summary.updated, summary.failed) == (69, 0, 0)
    assert _count(db, Paper) == 69
    assert _count(db, DailyEntry) == 69
    with db.read() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "2405.21060"))
        assert paper is not None
        assert paper.author_list == ["Tri Dao", "Albert Gu"]
        assert paper.upvotes == 27
        entry = session.scalar(select(DailyEntry).where(DailyEntry.paper_id == paper.id))
        assert entry is not None and entry.day == dt.date(2024, 6, 3)
        assert paper.trending_score == pytest.approx(trending_score(27, entry.submitted_at))


def test_reimport_changes_nothing(db: Database) -> None:
    load_days(db)
    before = _snapshot(db)
    summary = load_days(db)
    assert (summary.new, summary.updated, summary.unchanged) == (0, 0, 69)
    assert _snapshot(db) == before  # not even modified_at moved


def test_changed_values_update(db: Database, tmp_path: Path) -> None:
    load_days(db)
    data = json.loads((HF_DAYS / "2024-06-03.json").read_text())
    data[0]["paper"]["upvotes"] = 99
    data[0]["paper"]["authors"].append({"_id": "x", "name": "New Author", "hidden": False})
    data[0]["paper"]["githubRepo"] = "https://github.com/state-spaces/mamba"
    changed = tmp_path / "2024-06-03.json"
    changed.write_text(json.dumps(data))
    summary = load_days(db, changed)
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 5)
    with db.read() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "2405.21060"))
        assert paper is not None
        assert paper.upvotes == 99
        assert paper.author_list == ["Tri Dao", "Albert Gu", "New Author"]
        assert paper.author_names == "Tri Dao, Albert Gu, New Author"
        assert paper.github_repo == "https://github.com/state-spaces/mamba"


def test_a_later_listing_wins_and_an_older_snapshot_never_reverts_it(db: Database, tmp_path: Path) -> None:
    data = json.loads((HF_DAYS / "2024-06-03.json").read_text())
    later = [dict(data[0], publishedAt="2024-06-10T03:00:00.000Z")]
    later[0]["paper"] = dict(data[0]["paper"], upvotes=80)
    (tmp_path / "2024-06-10.json").write_text(json.dumps(later))
    shutil.copy(HF_DAYS / "2024-06-03.json", tmp_path / "2024-06-03.json")
    # Newest first, then the older day: the older snapshot must not win.
    load_days(db, tmp_path / "2024-06-10.json", tmp_path / "2024-06-03.json")
    first = _snapshot(db)
    load_days(db, tmp_path / "2024-06-03.json", tmp_path / "2024-06-10.json")
    assert _snapshot(db) == first
    with db.read() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "2405.21060"))
        assert paper is not None and paper.upvotes == 80
        entry = session.scalar(select(DailyEntry).where(DailyEntry.paper_id == paper.id))
        assert entry is not None and entry.day == dt.date(2024, 6, 10)


def test_authors_are_shared_between_papers(db: Database) -> None:
    load_days(db)
    with db.read() as session:
        names = session.scalars(select(Author.name)).all()
    assert len(names) == len(set(names))


def test_cli_imports_good_files_and_names_each_malformed_one(env_settings: Settings) -> None:
    result = runner.invoke(cli, ["import", "hf", str(HF_DAYS), str(FIXTURES / "hf_days_malformed")])
    assert result.exit_code == 1, result.output
    assert "69 new, 0 updated, 0 unchanged, 0 failed" in result.output
    assert "2024-12-11.json: item 0 is a string, not a JSON object" in result.output
    assert "2025-01-10.json: expected a JSON array" in result.output
    assert "2 file(s) could not be imported" in result.output
    again = runner.invoke(cli, ["import", "hf", str(HF_DAYS)])
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 69 unchanged, 0 failed" in again.output


def test_cli_refuses_missing_paths(env_settings: Settings) -> None:
    result = runner.invoke(cli, ["import", "hf", "/nonexistent/2025-01-01.json"])
    assert result.exit_code == 2
    assert "no such file or directory: /nonexistent/2025-01-01.json" in result.output


def test_cli_jsonl_import_is_idempotent_and_reports_bad_lines(env_settings: Settings, tmp_path: Path) -> None:
    source = FIXTURES / "kaggle" / "snapshot-head50.jsonl"
    result = runner.invoke(cli, ["import", "jsonl", str(source)])
    assert result.exit_code == 0, result.output
    assert "50 new, 0 updated, 0 unchanged, 0 failed" in result.output
    lines = source.read_text().splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join([lines[0], "{broken", lines[1]]) + "\n")
    result = runner.invoke(cli, ["import", "jsonl", str(mixed)])
    assert result.exit_code == 1
    assert "0 new, 0 updated, 2 unchanged, 1 failed" in result.output
    assert f"{mixed}:2: invalid JSON" in result.output
    db = Database.from_settings(env_settings)
    try:
        with db.read() as session:
            paper = session.scalar(select(Paper).where(Paper.arxiv_id == "0704.0001"))
            assert paper is not None
            assert paper.categories == "hep-ph" and paper.primary_category == "hep-ph"
            assert paper.version == 2
    finally:
        db.dispose()


def test_hf_and_arxiv_data_merge_without_erasing_each_other(db: Database) -> None:
    from dailypapers.ingest.files import import_paper_batch
    from dailypapers.ingest.outcomes import ImportSummary
    from dailypapers.sources.huggingface import read_day_file

    item = read_day_file(HF_DAYS / "2025-10-29.json")[0]
    load_days(db, HF_DAYS / "2025-10-29.json")
    arxiv = type(item.paper)(
        arxiv_id=item.paper.arxiv_id,
        title=item.paper.title,
        abstract=item.paper.abstract,
        authors=item.paper.authors,
        version=1,
        categories=("cs.CL", "cs.AI"),
    )
    summary = ImportSummary()
    import_paper_batch(db, [("test", arxiv)], summary)
    assert summary.updated == 1
    with db.read() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == item.paper.arxiv_id))
        assert paper is not None
        assert paper.categories == "cs.CL cs.AI"
        assert paper.upvotes == item.paper.upvotes  # not erased by a source that does not know it
        assert paper.github_repo == item.paper.github_repo


def test_demo_loads_only_into_an_empty_database(env_settings: Settings) -> None:
    result = runner.invoke(cli, ["import", "hf", str(HF_DAYS / "2024-06-03.json")])
    assert result.exit_code == 0
    result = runner.invoke(cli, ["import", "demo"])
    assert result.exit_code == 0
    assert "already has 6 papers; demo data not loaded" in result.output
