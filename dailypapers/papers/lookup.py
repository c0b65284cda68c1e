"""Finding the paper a URL names, for every handler that acts on one (the API's paper route, votes, comments,
claims, saves); the message keeps huggingface.co's "Paper not found"."""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy.orm import Session

from dailypapers.papers import feeds
from dailypapers.papers.ids import InvalidArxivId, normalize_arxiv_id
from dailypapers.papers.models import Paper


def paper_or_404(session: Session, arxiv_id: str) -> Paper:
    try:
        normalized = normalize_arxiv_id(arxiv_id)
    except InvalidArxivId as exc:
        raise HTTPException(404, f"Paper not found: {exc}") from exc
    paper = feeds.paper_by_arxiv_id(session, normalized)
    if paper is None:
        raise HTTPException(404, f"Paper not found: {normalized}")
    return paper
