"""The HTML digest as a mail client shows it: rendered in Chromium from the composed e-mail, with a screenshot,
and still readable with its styles stripped."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.digests.compose import PeriodDigests
from dailypapers.digests.models import Frequency, Subscription
from dailypapers.digests.schedule import covering
from tests.factories import load_days

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_html_digest(browser: Browser, db: Database, settings: Settings, artifacts: Path) -> None:
    load_days(db)
    with db.read() as session:
        digests = PeriodDigests.load(session, settings, covering(Frequency.daily, dt.date(2025, 10, 29)))
    subscriber = Subscription(email="reader@example.org", categories="", keywords="")
    chosen = digests.choose(subscriber)
    html = digests.render(chosen[3:], chosen[:3], "https://x.example/manage", "https://x.example/unsubscribe").html
    page = browser.new_page(viewport={"width": 720, "height": 1400})
    page.set_content(html)
    assert page.locator("h1").inner_text().startswith("Trending papers of October 29, 2025")
    assert page.locator(".paper").count() == 10
    assert page.locator("h2").all_inner_texts() == ["For you", "Trending"]
    assert (
        page.locator(".paper .title a")
        .first.get_attribute("href", timeout=1000)
        .startswith(  # type: ignore[union-attr]
            "http://testserver/papers/"
        )
    )
    assert page.locator('a[href="https://x.example/unsubscribe"]').inner_text() == "Unsubscribe"
    background = page.evaluate("getComputedStyle(document.querySelector('.paper')).backgroundColor")
    assert background == "rgb(255, 255, 255)"  # inlined styles apply without any stylesheet
    page.screenshot(path=str(artifacts / "digest-email.png"), full_page=True)
    # Readable where CSS is off: every title is still a link and every summary still text.
    page.set_content(re.sub(r' style="[^"]*"', "", html))
    assert page.locator(".paper .title a").count() == 10
    assert len(page.locator("body").inner_text()) > 2000
    page.close()
