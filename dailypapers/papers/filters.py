"""The one filter vocabulary of every listing, feed, search, API call, MCP tool, digest and saved search.

    category          repeatable (or space/comma separated); any of them; an archive (``cs``) is the whole archive
    exclude_category  repeatable; none of them (same rule)
    exclude           words; the title and abstract contain none of them (case-insensitive, part of a word too)
    has_code          true/false; only papers with a code repository
    min_upvotes       an integer; at least this many upvotes
    author            part of an author's name (case-insensitive)

Parsed and validated here only (``parse_filters``): a bad value is an ``InvalidFilter`` (a ``Refused``, so a 400)
whose message starts with the parameter's name. Applied as one SQL fragment over the ``papers`` table
(``sql_fragment`` for the raw SQL of the search backends, ``condition`` for ORM queries), so every caller agrees
on what a filter keeps. "Paper in category C" is papers/categories.py's rule, shared with everything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, and_, text, true

from dailypapers.errors import Refused
from dailypapers.papers.categories import like_patterns
from dailypapers.text import whole_number

# A category (cs.CL, hep-th, math.AG) or an archive (cs, math, hep-th): what arXiv itself accepts.
CATEGORY_PATTERN = re.compile(r"^[a-z][a-z-]{0,19}(\.[A-Za-z][A-Za-z-]{0,19})?$")
MAX_VALUES = 10  # per repeatable parameter: more is not a filter anyone reads, and each is a LIKE
MAX_WORD_CHARS = 50
MAX_AUTHOR_CHARS = 100
MAX_UPVOTES = 1_000_000
NAMES = ("category", "exclude_category", "exclude", "has_code", "min_upvotes", "author")
_SPLIT = re.compile(r"[\s,]+")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


class InvalidFilter(ValueError, Refused):
    """A filter value that cannot be used; the message names the parameter."""


@dataclass(frozen=True, slots=True)
class PaperFilters:
    categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # lower-cased words
    has_code: bool = False
    min_upvotes: int | None = None
    author: str | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.categories
            or self.exclude_categories
            or self.exclude
            or self.has_code
            or self.min_upvotes is not None
            or self.author
        )

    def pairs(self) -> list[tuple[str, str]]:
        """The canonical query parameters (in NAMES order): for links, feed URLs and stored searches."""
        pairs = [("category", c) for c in self.categories]
        pairs += [("exclude_category", c) for c in self.exclude_categories]
        pairs += [("exclude", w) for w in self.exclude]
        if self.has_code:
            pairs.append(("has_code", "true"))
        if self.min_upvotes is not None:
            pairs.append(("min_upvotes", str(self.min_upvotes)))
        if self.author:
            pairs.append(("author", self.author))
        return pairs

    def query_string(self) -> str:
        return urlencode(self.pairs())

    def url(self, path: str, extra: Sequence[tuple[str, str]] = ()) -> str:
        """``path`` with these filters (and ``extra`` parameters, e.g. ``q``) as its query string."""
        query = urlencode([*extra, *self.pairs()])
        return f"{path}?{query}" if query else path

    def chips(self, path: str, extra: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
        """(label, the URL of ``path`` without that one filter) for each active filter: the remove links."""
        chips = []
        for name, value in self.pairs():
            rest = [pair for pair in self.pairs() if pair != (name, value)]
            query = urlencode([*extra, *rest])
            chips.append((_label(name, value), f"{path}?{query}" if query else path))
        return chips

    def without_categories(self) -> PaperFilters:
        return replace(self, categories=())


def _label(name: str, value: str) -> str:
    return {
        "category": f"in {value}",
        "exclude_category": f"not in {value}",
        "exclude": f"without “{value}”",
        "has_code": "with code",
        "min_upvotes": f"≥ {value} upvotes",
        "author": f"author: {value}",
    }[name]


def _split(name: str, values: Iterable[str]) -> list[str]:
    words = [w for value in values for w in _SPLIT.split(value.strip()) if w]
    unique = list(dict.fromkeys(words))
    if len(unique) > MAX_VALUES:
        raise InvalidFilter(f"{name}: at most {MAX_VALUES} values, got {len(unique)}")
    return unique


def _categories(name: str, values: Iterable[str]) -> tuple[str, ...]:
    found = _split(name, values)
    for category in found:
        if not CATEGORY_PATTERN.match(category):
            raise InvalidFilter(f"{name}: {category[:40]!r} is not an arXiv category or archive (e.g. cs.CL or cs)")
    return tuple(found)


def _words(values: Iterable[str]) -> tuple[str, ...]:
    found = [w.lower() for w in _split("exclude", values)]
    for word in found:
        if len(word) > MAX_WORD_CHARS:
            raise InvalidFilter(f"exclude: a word is at most {MAX_WORD_CHARS} characters")
    return tuple(dict.fromkeys(found))


def _flag(value: str | None) -> bool:
    lowered = (value or "").strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidFilter(f"has_code: {value[:20]!r} is not true or false" if value else "has_code: not true or false")


def _count(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    count = whole_number(value)
    if count is None or count > MAX_UPVOTES:
        raise InvalidFilter(f"min_upvotes: {value[:20]!r} is not a whole number from 0 to {MAX_UPVOTES:,}")
    return count


def _author(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    if len(value) > MAX_AUTHOR_CHARS:
        raise InvalidFilter(f"author: at most {MAX_AUTHOR_CHARS} characters")
    return value or None


def _last(values: Sequence[str]) -> str | None:
    return values[-1] if values else None


def parse_filters(params: Mapping[str, Sequence[str]]) -> PaperFilters:
    """The filters in ``params`` (name -> the values given, as a query string repeats them); other names are
    ignored. Raises InvalidFilter, naming the parameter."""
    return PaperFilters(
        categories=_categories("category", params.get("category", ())),
        exclude_categories=_categories("exclude_category", params.get("exclude_category", ())),
        exclude=_words(params.get("exclude", ())),
        has_code=_flag(_last(params.get("has_code", ()))),
        min_upvotes=_count(_last(params.get("min_upvotes", ()))),
        author=_author(_last(params.get("author", ()))),
    )


def parse_query_string(pairs: Iterable[tuple[str, str]]) -> PaperFilters:
    """``parse_filters`` over (name, value) pairs (a stored query string, a form)."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return parse_filters(grouped)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _in_any(alias: str, categories: Sequence[str], prefix: str, params: dict[str, Any]) -> str:
    parts = []
    for i, pattern in enumerate(p for category in categories for p in like_patterns(category)):
        parts.append(f"(' ' || {alias}.categories || ' ') LIKE :{prefix}{i} ESCAPE '\\'")
        params[f"{prefix}{i}"] = pattern
    return "(" + " OR ".join(parts) + ")"


def _clauses(filters: PaperFilters, alias: str) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.categories:
        clauses.append(_in_any(alias, filters.categories, "pf_cat", params))
    if filters.exclude_categories:
        clauses.append("NOT " + _in_any(alias, filters.exclude_categories, "pf_xcat", params))
    for i, word in enumerate(filters.exclude):
        clauses.append(f"lower({alias}.title || ' ' || {alias}.abstract) NOT LIKE :pf_word{i} ESCAPE '\\'")
        params[f"pf_word{i}"] = f"%{_escape_like(word)}%"
    if filters.has_code:
        clauses.append(f"{alias}.github_repo IS NOT NULL")
    if filters.min_upvotes is not None:
        clauses.append(f"{alias}.upvotes >= :pf_upvotes")
        params["pf_upvotes"] = filters.min_upvotes
    if filters.author:
        clauses.append(f"lower({alias}.author_names) LIKE :pf_author ESCAPE '\\'")
        params["pf_author"] = f"%{_escape_like(filters.author.lower())}%"
    return clauses, params


def sql_fragment(filters: PaperFilters, alias: str = "papers") -> tuple[str, dict[str, Any]]:
    """The filters as ``AND …`` conditions over the papers table named ``alias``, and their parameters (named
    ``pf_*``, apart from any other parameter of the query they join). Empty when no filter is active."""
    clauses, params = _clauses(filters, alias)
    return "".join(f" AND {c}" for c in clauses), params


def condition(filters: PaperFilters) -> ColumnElement[bool]:
    """The same conditions as one ORM condition over ``papers`` (the listing, feed and digest queries)."""
    clauses, params = _clauses(filters, "papers")
    if not clauses:
        return true()
    return and_(text(" AND ".join(f"({c})" for c in clauses)).bindparams(**params))


ListParam = Annotated[list[str], Query(description="Repeatable, or several separated by spaces or commas.")]


def filter_params(
    category: Annotated[
        list[str], Query(description="arXiv categories (any of); an archive such as cs is the whole archive.")
    ] = [],  # noqa: B006 (FastAPI copies defaults)
    exclude_category: Annotated[list[str], Query(description="arXiv categories or archives to leave out.")] = [],  # noqa: B006
    exclude: Annotated[
        list[str], Query(description="Words: papers whose title or abstract has one are left out.")
    ] = [],  # noqa: B006
    has_code: Annotated[str | None, Query(description="true: only papers with a code repository.")] = None,
    min_upvotes: Annotated[str | None, Query(description="Only papers with at least this many upvotes.")] = None,
    author: Annotated[str | None, Query(description="Part of an author's name.")] = None,
) -> PaperFilters:
    """The FastAPI dependency every filtered route declares (so the page cache keys on these names)."""
    given: dict[str, Sequence[str]] = {"category": category, "exclude_category": exclude_category, "exclude": exclude}
    for name, value in (("has_code", has_code), ("min_upvotes", min_upvotes), ("author", author)):
        if value is not None:
            given[name] = [value]
    return parse_filters(given)


FiltersDep = Annotated[PaperFilters, Depends(filter_params)]
