"""arXiv metadata in the Kaggle ``arxiv-metadata-oai-snapshot`` JSON-lines format.

One JSON object a line: ``id``, ``authors`` (one string, LaTeX accents kept), ``authors_parsed``
(``[[last, first, suffix], ...]``, accents decoded), ``title``, ``abstract`` (hard-wrapped), ``categories``
(space-separated, primary first), ``versions`` (``[{"version": "v1", "created": RFC 2822 date}, ...]``),
``update_date``, ``doi``, ``journal-ref``, ``comments``. The whole snapshot is ~2.7 million lines, so lines
are read lazily and a bad line is reported and skipped rather than aborting the load.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from dailypapers.papers.ids import InvalidArxivId, normalize_arxiv_id
from dailypapers.papers.records import PaperRecord, clean_abstract, clean_line, split_author_string

# A single arXiv record is a few kB; a line longer than this is not a record (or is hostile).
MAX_LINE_BYTES = 1024 * 1024


class MalformedRecord(ValueError):
    """One line that cannot be imported; the message says why."""


def iter_records(path: Path) -> Iterator[tuple[int, PaperRecord | MalformedRecord]]:
    """Yield ``(line_number, record or error)`` for each non-blank line of a ``.jsonl`` or ``.jsonl.gz``."""
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        yield from _iter_lines(handle)


def _bounded_lines(handle: IO[bytes]) -> Iterator[bytes | int]:
    """Lines of at most MAX_LINE_BYTES; a longer line is skipped without holding it, and yields its length."""
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        size = len(raw)
        while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
            size += len(rest)
        yield size + len(rest)


def _iter_lines(handle: IO[bytes]) -> Iterator[tuple[int, PaperRecord | MalformedRecord]]:
    for number, raw in enumerate(_bounded_lines(handle), start=1):
        if isinstance(raw, int) or len(raw) > MAX_LINE_BYTES:
            size = raw if isinstance(raw, int) else len(raw)
            yield number, MalformedRecord(f"line is {size:,} bytes, over the {MAX_LINE_BYTES:,} limit")
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, MalformedRecord(f"not valid UTF-8 (byte {exc.start}: {exc.reason})")
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, MalformedRecord(f"invalid JSON at column {exc.colno}: {exc.msg}")
            continue
        try:
            yield number, parse_record(data)
        except (KeyError, TypeError, ValueError) as exc:
            reason = f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            yield number, MalformedRecord(reason)


def parse_record(data: Any) -> PaperRecord:
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    try:
        arxiv_id = normalize_arxiv_id(str(data["id"]))
    except InvalidArxivId as exc:
        raise ValueError(str(exc)) from exc
    title = clean_line(_text(data["title"], "title"))
    if not title:
        raise ValueError("empty title")
    versions = _versions(data.get("versions") or [])
    published_at = versions[0][1] if versions else None
    updated_at = versions[-1][1] if versions else None
    if updated_at is None and isinstance(data.get("update_date"), str):
        updated_at = dt.datetime.fromisoformat(data["update_date"]).replace(tzinfo=dt.UTC)
    categories = tuple(_text(data.get("categories") or "", "categories").split())
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=clean_abstract(_text(data.get("abstract") or "", "abstract")),
        authors=_authors(data),
        version=versions[-1][0] if versions else None,
        comment=_optional(data.get("comments")),
        journal_ref=_optional(data.get("journal-ref")),
        doi=_optional(data.get("doi")),
        categories=categories,
        published_at=published_at,
        updated_at=updated_at,
    )


def _authors(data: dict[str, Any]) -> tuple[str, ...]:
    parsed = data.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if not isinstance(parts, list):
                raise TypeError("field 'authors_parsed' is not a list of name lists")
            last, first, suffix = ([*map(str, parts), "", "", ""])[:3]
            name = clean_line(" ".join(p for p in (first, last, suffix) if p.strip()))
            if name:
                names.append(name)
        return tuple(names)
    return split_author_string(_text(data.get("authors") or "", "authors"))


def _versions(value: Any) -> list[tuple[int, dt.datetime | None]]:
    if not isinstance(value, list):
        raise TypeError("field 'versions' is not a list")
    out = []
    for item in value:
        if not isinstance(item, dict) or not str(item.get("version", "")).startswith("v"):
            raise ValueError(f"malformed version entry {item!r:.80}")
        number = int(str(item["version"])[1:])
        created = item.get("created")
        out.append((number, email.utils.parsedate_to_datetime(created) if created else None))
    out.sort(key=lambda pair: pair[0])
    return out


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"field {name!r} is not a string")
    return value


def _optional(value: Any) -> str | None:
    return clean_line(value) or None if isinstance(value, str) else None
