"""In a real browser: a filtered listing shows its filters as chips that remove themselves, keeps them through
the text filter and links a filtered feed; an author page's follow button follows and unfollows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from dailypapers.db import Database, utcnow
from dailypapers.papers.models import Paper, PaperAuthor
from tests.factories import PASSWORD, load_days_with_categories, make_user

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
DAY = "2025-10-29"


def test_filter_chips_remove_themselves_and_the_feed_link_follows(
    browser: Browser, db: Database, live_server: str, artifacts: Path
) -> None:
    load_days_with_categories(db)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/papers/date/{DAY}")
    everything = page.locator("li.card").count()
    page.goto(f"{live_server}/papers/date/{DAY}?category=cs&exclude_category=cs.CV&has_code=true")
    assert page.locator(".filter-chip span").all_inner_texts() == ["in cs", "not in cs.CV", "with code"]
    filtered = page.locator("li.card").count()
    assert 0 < filtered < everything
    feed = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert feed == f"/papers/date/{DAY}/feed.atom?category=cs&exclude_category=cs.CV&has_code=true"
    page.screenshot(path=str(artifacts / "filters-1-chips.png"))

    # The text filter keeps the other filters (hidden inputs).
    page.fill("#q", "model")
    page.click(".listing-filter button[type=submit]")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"q": ["model"], "category": ["cs"], "exclude_category": ["cs.CV"], "has_code": ["true"]}
    assert page.locator(".filter-chip").count() == 3

    # Removing one chip keeps the rest and the text query; the page widens.
    page.click('a[aria-label="Remove filter with code"]')
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"q": ["model"], "category": ["cs"], "exclude_category": ["cs.CV"]}
    assert page.locator(".filter-chip span").all_inner_texts() == ["in cs", "not in cs.CV"]
    page.click('a[aria-label="Remove filter in cs"]')
    page.click('a[aria-label="Remove filter not in cs.CV"]')
    assert page.locator(".filter-chip").count() == 0
    assert parse_qs(urlsplit(page.url).query) == {"q": ["model"]}
    page.screenshot(path=str(artifacts / "filters-2-removed.png"))

    # A bad value is a page that says which parameter, not a crash.
    response = page.goto(f"{live_server}/papers/date/{DAY}?min_upvotes=lots")
    assert response is not None and response.status == 400
    assert "min_upvotes:" in page.locator("main").inner_text()
    page.close()


def test_follow_button_on_an_author_page(browser: Browser, db: Database, live_server: str, artifacts: Path) -> None:
    load_days_with_categories(db)
    make_user(db, "ada", fullname="Ada Lovelace")
    with db.write() as session:
        paper = session.scalars(select(Paper).order_by(Paper.arxiv_id).limit(1)).one()
        author_id = session.scalars(
            select(PaperAuthor.author_id).where(PaperAuthor.paper_id == paper.id, PaperAuthor.position == 0)
        ).one()
        paper.published_at = utcnow() - dt.timedelta(days=1)  # new, so /for-you lists it
        arxiv_id, title = paper.arxiv_id, paper.title
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/login")
    page.fill("#login", "ada")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(f"{live_server}/authors/{author_id}")
    button = page.locator(".follow-actions button")
    assert button.inner_text() == "Follow this author" and button.get_attribute("aria-pressed") == "false"
    button.click()
    assert page.url.endswith(f"/authors/{author_id}")
    button = page.locator(".follow-actions button")
    assert button.inner_text() == "Following ✓" and button.get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(artifacts / "follow-1-author.png"))

    page.goto(f"{live_server}/for-you")
    section = page.locator("section.followed")
    assert section.locator(f'a[href="/papers/{arxiv_id}"]').inner_text() == title
    page.screenshot(path=str(artifacts / "follow-2-for-you.png"), full_page=True)

    page.goto(f"{live_server}/settings")
    assert page.locator("ul.follows li").count() == 1
    assert page.locator("input.feed-url").count() == 2  # for you and what you follow (no collection yet)
    page.screenshot(path=str(artifacts / "follow-3-settings.png"), full_page=True)

    page.goto(f"{live_server}/authors/{author_id}")
    page.locator(".follow-actions button").click()
    assert page.locator(".follow-actions button").inner_text() == "Follow this author"
    page.close()
