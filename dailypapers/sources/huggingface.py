"""Hugging Face Daily Papers: the ``/api/daily_papers`` item format, mapped to our records.

The same mapper serves the file import (``dailypapers import hf``) and, later, the live sync, so both store
exactly the same thing.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dailypapers.papers.ids import InvalidArxivId, normalize_arxiv_id
from dailypapers.papers.records import (
    DailyEntryRecord,
    PaperRecord,
    SubmitterRecord,
    clean_abstract,
    clean_line,
    parse_timestamp,
)
from dailypapers.sources.http import SourceClient, SourceError
from dailypapers.text import clean_line as clean_text_line

# A day file larger than this is refused rather than parsed: the largest real one is ~0.5 MB (50 papers).
MAX_DAY_FILE_BYTES = 64 * 1024 * 1024
_DAY_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.json(?:\.gz)?$")
# Fields kept verbatim for the API that we do not model (yet).
_EXTRA_KEYS = ("thumbnail", "mediaUrls", "organization")


class MalformedDayFile(ValueError):
    """A day file that cannot be imported; the message names the problem for the operator."""


@dataclass(frozen=True, slots=True)
class DailyItem:
    paper: PaperRecord
    entry: DailyEntryRecord


def day_from_filename(path: Path) -> dt.date | None:
    match = _DAY_NAME.search(path.name)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match[1])
    except ValueError:
        return None


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, directories expanded to their ``*.json`` and ``*.json.gz`` files, sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.name.endswith((".json", ".json.gz"))))
        else:
            files.append(path)
    return files


def read_day_file(path: Path) -> list[DailyItem]:
    """Read and map one day file; raises MalformedDayFile (never a partial list)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MalformedDayFile(f"cannot read file: {exc.strerror}") from exc
    if size > MAX_DAY_FILE_BYTES:
        raise MalformedDayFile(f"file is {size:,} bytes, over the {MAX_DAY_FILE_BYTES:,}-byte limit")
    try:
        if path.name.endswith(".gz"):
            # Read at most one byte past the limit: a gzip bomb must not reach memory whole.
            with gzip.open(path, "rb") as handle:
                raw = handle.read(MAX_DAY_FILE_BYTES + 1)
            if len(raw) > MAX_DAY_FILE_BYTES:
                raise MalformedDayFile(f"decompresses to over the {MAX_DAY_FILE_BYTES:,}-byte limit")
        else:
            raw = path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise MalformedDayFile(f"cannot read file: {exc}") from exc
    return parse_day_bytes(raw, day=day_from_filename(path))


def parse_day_bytes(raw: bytes, day: dt.date | None = None) -> list[DailyItem]:
    """Decode and map a ``/api/daily_papers`` response body (from a file or the live API)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedDayFile(f"not valid UTF-8 (byte {exc.start}: {exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise MalformedDayFile(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    return parse_day(data, day=day)


def parse_day(data: Any, day: dt.date | None = None) -> list[DailyItem]:
    """Map a decoded ``/api/daily_papers`` response (a JSON array of items)."""
    if isinstance(data, dict):
        keys = ", ".join(sorted(map(str, data))[:6])
        raise MalformedDayFile(f"expected a JSON array of daily-paper items, got an object (keys: {keys})")
    if not isinstance(data, list):
        raise MalformedDayFile(f"expected a JSON array of daily-paper items, got {type(data).__name__}")
    items = []
    for index, item in enumerate(data):
        if isinstance(item, str):
            hint = " (it looks like a Python repr, not JSON)" if item.lstrip().startswith("{'") else ""
            raise MalformedDayFile(f"item {index} is a string, not a JSON object{hint}")
        try:
            items.append(parse_item(item, day=day))
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedDayFile(f"item {index}: {_describe(exc)}") from exc
    return items


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)


def parse_item(item: Any, day: dt.date | None = None) -> DailyItem:
    """Map one item (the wrapper object with a nested ``paper``) to a paper and a daily entry."""
    if not isinstance(item, dict):
        raise TypeError(f"expected a JSON object, got {type(item).__name__}")
    paper = item["paper"]
    if not isinstance(paper, dict):
        raise TypeError("field 'paper' is not an object")
    try:
        arxiv_id = normalize_arxiv_id(str(paper["id"]))
    except InvalidArxivId as exc:
        raise ValueError(str(exc)) from exc

    title = clean_line(_str(item.get("title") or paper["title"], "title"))
    if not title:
        raise ValueError("empty title")
    authors = tuple(
        name
        for author in _list(paper.get("authors") or [], "paper.authors")
        if isinstance(author, dict) and not author.get("hidden") and (name := clean_line(str(author["name"])))
    )
    record = PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=clean_abstract(_str(paper.get("summary") or item.get("summary") or "", "summary")),
        authors=authors,
        published_at=parse_timestamp(paper["publishedAt"]) if paper.get("publishedAt") else None,
        github_repo=_optional_str(paper.get("githubRepo")),
        github_stars=_optional_int(paper.get("githubStars"), "githubStars"),
        project_page=_optional_str(paper.get("projectPage")),
        ai_summary=_optional_str(paper.get("ai_summary")),
        ai_keywords=tuple(str(k) for k in paper["ai_keywords"]) if paper.get("ai_keywords") else None,
        upvotes=_optional_int(paper.get("upvotes"), "upvotes"),
    )

    submitted_raw = item.get("publishedAt") or paper.get("submittedOnDailyAt")
    if not submitted_raw:
        raise ValueError("no submission time (publishedAt or paper.submittedOnDailyAt)")
    submitted_at = parse_timestamp(submitted_raw)
    if day is None:
        on_daily = paper.get("submittedOnDailyAt")
        day = (parse_timestamp(on_daily) if on_daily else submitted_at).date()
    entry = DailyEntryRecord(
        arxiv_id=arxiv_id,
        day=day,
        submitted_at=submitted_at,
        submitter=_submitter(item.get("submittedBy") or paper.get("submittedOnDailyBy")),
        extra={key: item[key] for key in _EXTRA_KEYS if item.get(key)},
    )
    return DailyItem(record, entry)


def _submitter(user: Any) -> SubmitterRecord | None:
    if not isinstance(user, dict):
        return None
    username = user.get("name") or user.get("user")
    if not isinstance(username, str) or not username.strip():
        return None
    return SubmitterRecord(
        username=username.strip()[:100],
        fullname=clean_text_line(str(user.get("fullname") or ""), 200),
        avatar_url=_optional_str(user.get("avatarUrl")),
    )


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"field {name!r} is not a string")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"field {name!r} is not a list")
    return value


def _optional_str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _optional_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"field {name!r} is not an integer")
    return value


class HuggingFaceDaily:
    """The live ``/api/daily_papers?date=`` endpoint, mapped exactly like the day files."""

    name = "huggingface"

    def __init__(self, base_url: str, client: SourceClient) -> None:
        self.url = base_url.rstrip("/") + "/api/daily_papers"
        self.client = client

    def fetch_day(self, day: dt.date) -> list[DailyItem]:
        # limit=100 covers the busiest day on record (50 papers); HF's default page is smaller.
        body = self.client.get(self.url, {"date": day.isoformat(), "limit": 100}, expect=("json",))
        try:
            return parse_day_bytes(body, day=day)
        except MalformedDayFile as exc:
            raise SourceError(f"{self.url}?date={day}: {exc}") from exc
