"""What every paper source offers: metadata for arXiv ids (used by submissions and ``ingest arxiv --id``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dailypapers.papers.records import PaperRecord


class PaperSource(Protocol):
    name: str

    def fetch(self, arxiv_ids: Sequence[str]) -> list[PaperRecord]:
        """Current metadata of these papers; ids the source does not know are left out."""
        ...
