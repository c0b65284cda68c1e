"""The "for you" page as a member sees it, after the refit job has learned from their signals."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from dailypapers.community import collections
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.jobs.scheduler import run_job
from dailypapers.papers.models import Paper
from dailypapers.votes.services import set_vote
from dailypapers.wiring import all_jobs
from tests.factories import PASSWORD, load_corpus, make_user

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_for_you_page(browser: Browser, db: Database, settings: Settings, live_server: str, artifacts: Path) -> None:
    load_corpus(db)
    user = make_user(db, "ada", fullname="Ada Lovelace")
    with db.write() as session:
        for arxiv_id in ["2510.24668", "2510.24699", "2510.24697"]:
            set_vote(session, user, session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one(), True)
        agents = session.scalars(select(Paper).where(Paper.arxiv_id == "2510.25726")).one()
        collections.save(session, user, agents)
    [job] = [j for j in all_jobs() if j.name == "personal"]
    assert run_job(job, db, settings).status == "ran"
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(live_server + "/login")
    page.fill("#login", "ada")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.click("text=For you")
    page.click("text=This week")
    assert "Ranked by what you upvoted" in page.locator(".listing-meta").inner_text()
    first = page.locator("li.card").first
    assert first.locator(".because").inner_text().startswith("Because you liked")
    assert page.locator("li.card").count() == 30
    page.screenshot(path=str(artifacts / "for-you.png"))
    page.close()
