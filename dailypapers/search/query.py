"""What a user typed, made safe: terms for the keyword index, an arXiv id to pin, the filters.

Nothing the user types reaches a query language: terms are extracted as words (letters and digits, any
script) and quoted by the backends, so FTS5 syntax (``"``, ``*``, ``NEAR``, ``-``, parentheses) and
SQL-looking input are plain words here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field

from dailypapers.errors import Refused
from dailypapers.papers.filters import PaperFilters
from dailypapers.papers.ids import InvalidArxivId, parse_arxiv_id

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
_WORD = re.compile(r"\w+", re.UNICODE)
# Words that carry no topic; dropping them keeps OR queries from scanning half the index.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "there",
        "these",
        "this",
        "to",
        "was",
        "we",
        "were",
        "which",
        "with",
        "our",
        "can",
        "not",
        "no",
        "than",
        "then",
        "they",
        "also",
        "been",
        "both",
        "more",
        "most",
        "such",
        "via",
        "using",
        "use",
        "used",
    ]
)


class InvalidQuery(ValueError, Refused):
    """The query cannot be searched; the message says why."""


@dataclass(frozen=True)
class Filters:
    """Search's own publication-date range, plus the site's one filter vocabulary (papers/filters.py)."""

    published_from: dt.date | None = None
    published_until: dt.date | None = None
    paper: PaperFilters = field(default_factory=PaperFilters)

    @property
    def active(self) -> bool:
        return bool(self.published_from or self.published_until or self.paper.active)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[str, ...]
    arxiv_id: str | None = None
    filters: Filters = field(default_factory=Filters)


def parse_query(text: str, filters: Filters | None = None) -> ParsedQuery:
    """Normalise ``text``; raises InvalidQuery when it is too long or holds nothing searchable."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    text = " ".join(text.split())
    arxiv_id = None
    with contextlib.suppress(InvalidArxivId):
        arxiv_id = parse_arxiv_id(text).id if text else None
    words = [w.lower() for w in _WORD.findall(text)]
    terms = [w for w in words if w not in STOPWORDS] or words
    unique = tuple(dict.fromkeys(terms))[:MAX_TERMS]
    if not unique and not arxiv_id:
        raise InvalidQuery("the query has no words to search for")
    return ParsedQuery(text=text, terms=unique, arxiv_id=arxiv_id, filters=filters or Filters())
