"""What the enrichment found, as a person sees it in a real browser: the card's code link with its stars and the
project page, and on the paper page the other code links and the model that wrote the summary."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, ConsoleMessage

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich import run_enrich
from dailypapers.ingest.upserts import upsert_daily_entries
from dailypapers.jobs.scheduler import JobContext
from dailypapers.papers.records import DailyEntryRecord
from tests.enrich_replay import EnrichReplay
from tests.enrich_support import enrich_server, enrich_settings, store_papers

__all__ = ["enrich_server"]  # the fixture, imported for pytest
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

NOW = dt.datetime(2025, 10, 2, 12, 0, tzinfo=dt.UTC)
DAY = dt.date(2025, 10, 1)


@pytest.fixture
def site(settings: Settings, db: Database, enrich_server: EnrichReplay, live_server: str) -> str:
    store_papers(db, DAY, NOW - dt.timedelta(days=2))
    with db.write() as session:
        for arxiv_id in ("2503.12532", "2503.13399", "2503.12545"):
            upsert_daily_entries(session, [DailyEntryRecord(arxiv_id, DAY, NOW, origin="curated")])
    llm = {"llm_url": f"{enrich_server.url}/v1", "llm_model": "small-model"}
    run_enrich(JobContext(db, enrich_settings(settings, enrich_server, **llm), renew=lambda: None), now=NOW)
    return live_server


def test_cards_and_paper_page_show_what_was_found(browser: Browser, site: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console: list[ConsoleMessage] = []
    page.on("console", lambda message: console.append(message))
    page.goto(f"{site}/papers/date/{DAY}")
    card = page.locator("li.card", has_text="STEVE")
    assert card.locator(".card-meta .code").inner_text() == "code ★ 88"  # the stars beside their link
    assert card.locator("a.code-link").get_attribute("href") == "https://github.com/FanbinLu/STEVE"
    microvqa = page.locator("li.card", has_text="MicroVQA")
    assert microvqa.locator("a.project-link").get_attribute("href") == "https://jmhb0.github.io/microvqa"
    microvqa.locator("h2 a").click()
    page.wait_for_url("**/papers/2503.13399")
    actions = page.locator(".actions a.button")
    assert [actions.nth(i).inner_text() for i in range(actions.count())] == [
        "arXiv page", "PDF", "Code", "Project page", "Hugging Face",
    ]  # fmt: skip
    assert page.locator(".ai-summary .model-note").inner_text().startswith("Written by replay-llm-1")
    assert [m.text for m in console if m.type == "error"] == []
