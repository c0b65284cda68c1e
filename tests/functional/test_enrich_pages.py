"""What the enrichment found, on the pages and in search (both databases): cards show the code link with its
stars and the project page, the paper page every code link and who wrote the AI summary, and ``has_code``
matches harvested papers once their links are read."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich import run_enrich
from dailypapers.ingest.upserts import upsert_daily_entries
from dailypapers.jobs.scheduler import JobContext
from dailypapers.papers.records import DailyEntryRecord
from tests.enrich_replay import EnrichReplay
from tests.enrich_support import enrich_server, enrich_settings, store_papers

__all__ = ["enrich_server"]  # the fixture, imported for pytest

NOW = dt.datetime(2025, 10, 2, 12, 0, tzinfo=dt.UTC)
DAY = dt.date(2025, 10, 1)


def search_ids(client: TestClient, **params: str) -> set[str]:
    response = client.get("/api/papers/search", params={"mode": "keyword", **params})
    assert response.status_code == 200, response.text
    return {hit["paper"]["id"] for hit in response.json()}


def test_cards_paper_page_and_has_code(
    settings: Settings, db: Database, enrich_server: EnrichReplay, client: TestClient
) -> None:
    store_papers(db, DAY, NOW - dt.timedelta(days=2))
    with db.write() as session:
        for arxiv_id in ("2503.12532", "2503.13399", "2503.12545"):
            # Curated: the Hugging Face step skips what the mirror brought (origin hf), not these.
            record = DailyEntryRecord(arxiv_id, DAY, NOW - dt.timedelta(hours=3), origin="curated")
            upsert_daily_entries(session, [record])
    before = search_ids(client, q="benchmark agents reasoning video", has_code="true")
    assert before == set()  # harvested papers have no code link before the job reads them

    llm = {"llm_url": f"{enrich_server.url}/v1", "llm_model": "small-model"}
    run_enrich(JobContext(db, enrich_settings(settings, enrich_server, **llm), renew=lambda: None), now=NOW)

    listing = client.get(f"/papers/date/{DAY}").text
    assert 'href="https://github.com/FanbinLu/STEVE"' in listing and "★ 88" in listing
    assert '<a class="project-link" href="https://jmhb0.github.io/microvqa"' in listing
    assert "★ 31" in listing  # microvqa's repository, which only Hugging Face names

    page = client.get("/papers/2503.13399").text
    assert 'href="https://huggingface.co/datasets/jmhb/microvqa"' in page and ">Hugging Face</a>" in page
    assert ">Project page</a>" in page and ">31</a>" in page  # the stars, linked to the repository
    summarised = client.get("/papers/2503.12545").text
    assert "AI-generated summary" in summarised and "Written by replay-llm-1" in summarised
    hf_summary = client.get("/papers/2509.25541").text
    assert "AI-generated summary" in hf_summary and "Written by" not in hf_summary  # Hugging Face's own

    with_code = search_ids(client, q="benchmark agents reasoning video", has_code="true")
    assert with_code and "2503.12545" not in with_code
    everything = search_ids(client, q="benchmark agents reasoning video")
    assert with_code < everything
