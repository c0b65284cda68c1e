"""What happened to each stored record, and the counts an import or harvest reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    new = "new"
    updated = "updated"
    unchanged = "unchanged"


@dataclass
class ImportSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def merge(self, other: ImportSummary) -> None:
        self.new, self.updated = self.new + other.new, self.updated + other.updated
        self.unchanged, self.failed = self.unchanged + other.unchanged, self.failed + other.failed
        self.errors.extend(other.errors)

    def fail(self, message: str, records: int = 1) -> None:
        self.failed += records
        self.errors.append(message)

    def __str__(self) -> str:
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed"


def merge_outcomes(*parts: dict[str, Outcome]) -> list[Outcome]:
    """One outcome per paper: new if any part is new, else updated if any part updated."""
    merged: dict[str, Outcome] = {}
    rank = {Outcome.unchanged: 0, Outcome.updated: 1, Outcome.new: 2}
    for part in parts:
        for arxiv_id, outcome in part.items():
            if rank[outcome] > rank[merged.get(arxiv_id, Outcome.unchanged)]:
                merged[arxiv_id] = outcome
            else:
                merged.setdefault(arxiv_id, outcome)
    return list(merged.values())
