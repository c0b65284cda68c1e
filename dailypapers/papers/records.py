"""Source-neutral records that every source maps to, and the text clean-up they share.

A field left as ``None`` means "this source does not know", so an upsert keeps what another source stored
(the Hugging Face feed has no categories; the arXiv snapshot has no GitHub links).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pylatexenc.latex2text import LatexNodes2Text

from dailypapers.text import strip_bidi_controls

_WS = re.compile(r"\s+")
# arXiv abstracts are hard-wrapped; a line that starts with whitespace begins a new paragraph.
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=[ \t])")
_AFFILIATION = re.compile(r"\([^()]*\)")
_AUTHOR_SEPARATORS = re.compile(r",\s*|\s+and\s+")
_latex = LatexNodes2Text(math_mode="verbatim")


@dataclass(frozen=True, slots=True)
class PaperRecord:
    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    version: int | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    categories: tuple[str, ...] | None = None
    published_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] | None = None
    upvotes: int | None = None  # the source's own count (Hugging Face); local votes are added to it, never replaced
    listed_on: dt.date | None = None  # the OAI-PMH datestamp (see ingest/announcements.py)


@dataclass(frozen=True, slots=True)
class SubmitterRecord:
    username: str
    fullname: str = ""
    avatar_url: str | None = None


@dataclass(frozen=True, slots=True)
class DailyEntryRecord:
    arxiv_id: str
    day: dt.date
    submitted_at: dt.datetime
    submitter: SubmitterRecord | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    origin: str = "hf"  # papers.models.Origin; every importer of entries so far reads Hugging Face's format


def clean_line(text: str) -> str:
    """Collapse all whitespace (arXiv wraps titles at ~80 columns) into single spaces; drop bidi overrides,
    which would let a title display as something else."""
    return _WS.sub(" ", strip_bidi_controls(text)).strip()


def clean_abstract(text: str) -> str:
    """Unwrap an abstract's hard line breaks while keeping its paragraphs (separated by a blank line)."""
    paragraphs = (clean_line(p) for p in _PARAGRAPH_BREAK.split(strip_bidi_controls(text).strip()))
    return "\n\n".join(p for p in paragraphs if p)


def parse_timestamp(value: Any) -> dt.datetime:
    """Parse an ISO-8601 timestamp (``2024-05-31T17:50:01.000Z``) into an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected an ISO-8601 timestamp, got {value!r}")
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def split_author_string(raw: str) -> tuple[str, ...]:
    """Names from arXiv's one-string author list (``A. B, C. D (Univ) and E. F``): LaTeX accents decoded,
    parenthesised affiliations dropped."""
    decoded = _latex.latex_to_text(_AFFILIATION.sub("", raw))
    return tuple(name for part in _AUTHOR_SEPARATORS.split(decoded) if (name := clean_line(part)))
