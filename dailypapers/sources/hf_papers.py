"""Hugging Face's page of one paper: ``GET /api/papers/{arxiv_id}`` (AI summary, keywords, links, upvotes).

Hugging Face answers 404 for a paper nobody has put on its site; that is an answer ("absent"), not a failure.
No database here: ingest/enrich_hf.py decides which papers to ask about and stores what comes back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dailypapers.sources.http import SourceClient, SourceError

_ABSENT = frozenset({404})


@dataclass(frozen=True)
class HfPaperMeta:
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] | None = None
    github_repo: str | None = None
    project_page: str | None = None
    upvotes: int | None = None  # Hugging Face's own count: the source part of a paper's upvotes


def parse_paper(data: Any) -> HfPaperMeta:
    """Map a decoded ``/api/papers/{id}`` answer; raises ValueError when it is not a paper object."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise ValueError("not a Hugging Face paper object (no id)")
    keywords = data.get("ai_keywords")
    upvotes = data.get("upvotes")
    return HfPaperMeta(
        ai_summary=_text(data.get("ai_summary")),
        ai_keywords=tuple(str(k) for k in keywords if str(k).strip())
        if isinstance(keywords, list) and keywords
        else None,
        github_repo=_text(data.get("githubRepo")),
        project_page=_text(data.get("projectPage")),
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) and upvotes >= 0 else None,
    )


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class HuggingFacePapers:
    def __init__(self, base_url: str, client: SourceClient) -> None:
        self.url = base_url.rstrip("/") + "/api/papers/"
        self.client = client

    def fetch(self, arxiv_id: str) -> HfPaperMeta | None:
        """The paper's metadata on Hugging Face, or None when Hugging Face does not have the paper."""
        response = self.client.request("GET", self.url + arxiv_id, expect=("json",), accept=_ABSENT)
        if response.status in _ABSENT:
            return None
        try:
            return parse_paper(json.loads(response.body))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise SourceError(f"{response.url}: {exc}") from exc
