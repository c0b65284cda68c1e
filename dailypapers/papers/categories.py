"""The one meaning of "paper in category C", shared by search filters, digests and "for you".

A paper is in C when C is one of its arXiv categories, or when C is an archive (no dot, e.g. ``cs``) and one of
the paper's categories belongs to it (``cs.CL``). So ``cs`` never matches ``physics.comp-ph`` and ``cs.C`` never
matches ``cs.CL``. ``papers.categories`` stores the categories space-separated, so in SQL a category is a
space-delimited word of that column.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, literal, or_
from sqlalchemy.orm import QueryableAttribute


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_patterns(category: str) -> list[str]:
    """LIKE patterns (escape character ``\\``) that match ``' ' || categories || ' '`` when the paper is in
    ``category``: the whole word, plus any ``category.*`` word when ``category`` is an archive."""
    escaped = _escape_like(category)
    patterns = [f"% {escaped} %"]
    if "." not in category:
        patterns.append(f"% {escaped}.%")
    return patterns


def in_categories(paper_categories: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether a paper with ``paper_categories`` is in any of ``wanted`` (in memory, e.g. digests)."""
    have = set(paper_categories)
    for category in wanted:
        if category in have:
            return True
        if "." not in category and any(c.startswith(category + ".") for c in have):
            return True
    return False


def categories_condition(
    column: QueryableAttribute[str] | ColumnElement[str], wanted: Iterable[str]
) -> ColumnElement[bool]:
    """SQL condition: the row's space-separated ``column`` is in any of ``wanted`` (false when none given)."""
    padded = literal(" ") + column + literal(" ")
    matches = [padded.like(p, escape="\\") for c in wanted for p in like_patterns(c)]
    return or_(*matches) if matches else false()
