import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pytest

from dailypapers.sources import huggingface
from dailypapers.sources.huggingface import MalformedDayFile, parse_item, read_day_file
from tests.conftest import FIXTURES, HF_DAYS

MALFORMED = FIXTURES / "hf_days_malformed"


def test_reads_a_real_day_file() -> None:
    items = read_day_file(HF_DAYS / "2024-06-03.json")
    assert len(items) == 6
    first = items[0]
    assert first.paper.arxiv_id == "2405.21060"
    assert first.paper.title == (
        "Transformers are SSMs: Generalized Models and Efficient Algorithms Through Structured State Space Duality"
    )
    assert first.paper.authors == ("Tri Dao", "Albert Gu")
    assert first.paper.upvotes == 27
    assert first.paper.published_at == dt.datetime(2024, 5, 31, 17, 50, 1, tzinfo=dt.UTC)
    assert "\n" not in first.paper.abstract  # arXiv's hard wraps are undone
    assert first.entry.day == dt.date(2024, 6, 3)  # the file's date is the feed day
    assert first.entry.submitted_at == dt.datetime(2024, 6, 3, 3, 44, 1, 558000, tzinfo=dt.UTC)


def test_recent_items_carry_links_ai_summary_and_submitter() -> None:
    items = read_day_file(HF_DAYS / "2025-10-29.json")
    with_code = [i for i in items if i.paper.github_repo]
    assert with_code, "the fixture day has papers with code"
    assert all(i.entry.submitter is not None for i in items)
    assert any(i.paper.ai_summary and i.paper.ai_keywords for i in items)
    assert all(i.entry.day == dt.date(2025, 10, 29) for i in items)


def test_python_repr_days_are_refused_with_one_clear_reason() -> None:
    with pytest.raises(MalformedDayFile, match=r"item 0 is a string, not a JSON object \(it looks like a Python repr"):
        read_day_file(MALFORMED / "2024-12-11.json")
    with pytest.raises(MalformedDayFile, match=r"got an object \(keys: count, data, date, status\)"):
        read_day_file(MALFORMED / "2025-01-10.json")


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "2025-01-01.json"
    path.write_text('[{"paper": {"id": "2501.00001",}]')
    with pytest.raises(MalformedDayFile, match="invalid JSON at line 1 column"):
        read_day_file(path)


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "2025-01-01.json"
    path.write_bytes((HF_DAYS / "2024-06-03.json").read_bytes()[:5000])
    with pytest.raises(MalformedDayFile, match="invalid JSON"):
        read_day_file(path)


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "2025-01-01.json"
    path.write_bytes(b'[{"title": "caf\xe9"}]')
    with pytest.raises(MalformedDayFile, match="not valid UTF-8"):
        read_day_file(path)


def test_oversized_file_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huggingface, "MAX_DAY_FILE_BYTES", 1000)
    with pytest.raises(MalformedDayFile, match="over the 1,000-byte limit"):
        read_day_file(HF_DAYS / "2024-06-03.json")


def test_gzipped_day_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "2024-06-03.json.gz"
    path.write_bytes(gzip.compress((HF_DAYS / "2024-06-03.json").read_bytes()))
    assert len(read_day_file(path)) == 6
    assert read_day_file(path)[0].entry.day == dt.date(2024, 6, 3)


def test_expand_paths_sorts_directory_contents(tmp_path: Path) -> None:
    for name in ("2024-06-03.json", "2025-10-29.json"):
        shutil.copy(HF_DAYS / name, tmp_path / name)
    (tmp_path / "notes.txt").write_text("ignored")
    files = huggingface.expand_paths([tmp_path])
    assert [f.name for f in files] == ["2024-06-03.json", "2025-10-29.json"]


def _item(**paper: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "2501.00001",
        "title": "A title",
        "summary": "An abstract.",
        "authors": [{"name": "Ada Lovelace"}, {"name": "Hidden Person", "hidden": True}],
        "publishedAt": "2025-01-01T00:00:00.000Z",
        "upvotes": 3,
    }
    base.update(paper)
    return {"paper": base, "publishedAt": "2025-01-02T08:00:00.000Z", "title": base["title"]}


def test_item_mapping_rules() -> None:
    item = parse_item(_item())
    assert item.paper.authors == ("Ada Lovelace",)  # hidden authors are not shown
    assert item.entry.day == dt.date(2025, 1, 2)  # no file date: the submission time's day
    assert item.entry.submitter is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "not-an-id"}, "not an arXiv id"),
        ({"upvotes": "many"}, "'upvotes' is not an integer"),
        ({"authors": "Ada"}, "'paper.authors' is not a list"),
        ({"title": "   "}, "empty title"),
    ],
)
def test_bad_items_name_the_field(change: dict[str, object], message: str) -> None:
    data = _item(**change)
    if "title" in change:
        data["title"] = change["title"]
    with pytest.raises(MalformedDayFile, match=f"item 0: .*{message}"):
        huggingface.parse_day([data])


def test_missing_paper_field() -> None:
    with pytest.raises(MalformedDayFile, match="item 1: missing field 'paper'"):
        huggingface.parse_day([_item(), {"title": "x"}])


def test_a_bad_item_fails_the_whole_file_so_nothing_partial_is_imported(tmp_path: Path) -> None:
    data = json.loads((HF_DAYS / "2024-06-03.json").read_text())
    data[4]["paper"]["id"] = "garbage"
    path = tmp_path / "2024-06-03.json"
    path.write_text(json.dumps(data))
    with pytest.raises(MalformedDayFile, match="item 4"):
        read_day_file(path)


def test_gzip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huggingface, "MAX_DAY_FILE_BYTES", 10_000)
    path = tmp_path / "2025-01-01.json.gz"
    path.write_bytes(gzip.compress(b"[" + b" " * 1_000_000 + b"]"))  # 1 kB on disk, 1 MB unpacked
    with pytest.raises(MalformedDayFile, match="decompresses to over the 10,000-byte limit"):
        read_day_file(path)
