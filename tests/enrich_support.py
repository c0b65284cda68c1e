"""Shared by the enrichment tests: the fixture papers stored as the arXiv harvest stores them, and settings that
point every enrichment source at the loopback server (tests/enrich_replay.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.upserts import upsert_papers
from dailypapers.papers.models import Paper
from dailypapers.papers.records import PaperRecord, clean_abstract
from tests.enrich_replay import ENRICH, EnrichReplay

# Repositories named by the fixture papers (in their text, or by Hugging Face), with the stars they had on HF.
REPOS = {
    "FanbinLu/STEVE": 88,
    "zjunlp/unlearn": 120,
    "jmhb0/microvqa": 31,
    "njucckevin/CapArena": 45,
    "tulerfeng/Video-R1": 4200,
    "Vchitect/VBench": 1300,
    "wangqinsi1/Vision-Zero": 6,
}


@pytest.fixture
def enrich_server() -> Iterator[EnrichReplay]:
    """The loopback GitHub / Hugging Face / chat server, with the fixture papers' repositories."""
    replay = EnrichReplay().start()
    for name, stars in REPOS.items():
        replay.add_repo(name, stars)
    yield replay
    replay.release.set()  # a request a test held must not keep the server from stopping
    replay.stop()


def listing_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (ENRICH / "arxiv_listings.jsonl").read_text().splitlines()]


def store_papers(db: Database, announced_on: dt.date, published_at: dt.datetime) -> dict[str, int]:
    """The eight fixture papers as a harvest leaves them (text, comments, categories, announcement day), with no
    links, stars or summaries yet; returns arXiv id -> paper id."""
    records = [
        PaperRecord(
            arxiv_id=row["id"],
            title=row["title"],
            abstract=clean_abstract(row["summary"]),
            authors=tuple(row["authors"]),
            version=1,
            comment=row.get("comment"),
            categories=tuple(sorted(row["categories"])),
            published_at=published_at,
        )
        for row in listing_rows()
    ]
    with db.write() as session:
        upsert_papers(session, records)
        papers = list(session.scalars(select(Paper)))
        for paper in papers:
            paper.announced_on = announced_on
        return {paper.arxiv_id: paper.id for paper in papers}


def enrich_settings(settings: Settings, server: EnrichReplay, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "github_api_url": server.url,
        "hf_url": server.url,
        "github_delay_seconds": 0.0,
        "hf_delay_seconds": 0.0,
        "contact_email": "tests@example.org",
        **extra,
    }
    return settings.model_copy(update=values)


def environment(settings: Settings) -> dict[str, str]:
    """The same settings as DAILYPAPERS_* variables, for a worker process."""
    names = ("github_api_url", "hf_url", "github_delay_seconds", "hf_delay_seconds", "llm_url", "llm_model")
    env = {f"DAILYPAPERS_{name.upper()}": str(getattr(settings, name)) for name in names}
    env["DAILYPAPERS_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["DAILYPAPERS_DATABASE_URL"] = settings.database_url
    return env
