"""What a person sees: the home page, a week page and a paper page with math, in a real browser."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage

from dailypapers.db import Database
from dailypapers.ingest.files import import_paper_batch
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.sources.arxiv_kaggle import iter_records
from tests.conftest import FIXTURES
from tests.factories import load_days

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def site(db: Database, live_server: str) -> str:
    load_days(db)
    records = [(f"line {n}", r) for n, r in iter_records(FIXTURES / "kaggle" / "snapshot-head50.jsonl")]
    import_paper_batch(db, records, ImportSummary())  # type: ignore[arg-type]
    return live_server


def _errors(messages: list[ConsoleMessage]) -> list[str]:
    return [m.text for m in messages if m.type == "error"]


def test_home_page(browser: Browser, site: str, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console: list[ConsoleMessage] = []
    page.on("console", lambda message: console.append(message))
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "Friday, October 31, 2025"
    cards = page.locator("li.card")
    assert cards.count() == 19
    first = cards.first
    assert "authors" in first.locator(".card-meta").inner_text()
    votes = [int(v) for v in page.locator("li.card .votes strong").all_inner_texts()]
    assert votes == sorted(votes, reverse=True)
    page.screenshot(path=str(artifacts / "home.png"), full_page=False)
    page.locator('a[rel="prev"]').first.click()
    assert page.url.endswith("/papers/date/2025-10-30")
    assert _errors(console) == []
    page.close()


def test_week_page_on_a_phone_in_dark_mode(browser: Browser, site: str, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page.goto(site + "/papers/week/2025-W44")
    assert page.locator("h1").inner_text().startswith("Week 44, 2025")
    assert page.locator("li.card").count() == 50
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 17, 21)"  # the dark theme
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling on a phone"
    page.screenshot(path=str(artifacts / "week-phone-dark.png"))
    page.fill("#q", "agent")
    page.press("#q", "Enter")
    page.wait_for_url("**/papers/week/2025-W44?q=agent")
    assert 0 < page.locator("li.card").count() < 63
    page.close()


def test_paper_page_renders_math_with_vendored_katex(browser: Browser, site: str, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site + "/papers/0704.0013")
    page.wait_for_selector("h1 .katex")
    assert page.locator(".abstract-full .katex").count() >= 3
    assert "$p$" not in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "paper-math.png"), full_page=True)
    assert all(url.startswith(site) for url in requests), "everything comes from our own server (no CDN)"
    page.close()


def test_theme_toggle_remembers_the_choice(browser: Browser, site: str) -> None:
    page = browser.new_page(color_scheme="light")
    page.goto(site + "/papers/2405.21060")
    page.click(".theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.close()


def test_pages_work_without_javascript(browser: Browser, site: str, artifacts: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/papers/0704.0013")
    assert "$p$-adic" in page.locator("h1").inner_text()  # math stays readable as TeX
    assert page.locator(".theme-toggle").is_hidden()
    page.goto(site + "/papers/month/2025-10")
    assert page.locator("li.card").count() == 50
    page.click('nav.pagination a[rel="next"]')
    assert page.locator("li.card").count() == 13
    page.screenshot(path=str(artifacts / "month-no-js.png"))
    context.close()


def test_error_page(browser: Browser, site: str, artifacts: Path) -> None:
    page = browser.new_page()
    response = page.goto(site + "/papers/date/2025-02-30")
    assert response is not None and response.status == 400
    assert "not a valid date" in page.locator(".error-message").inner_text()
    page.screenshot(path=str(artifacts / "error-400.png"))
    page.close()


def test_search_as_you_type_and_without_javascript(browser: Browser, site: str, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(site + "/search")
    page.fill("#search-q", "state space duality")
    page.wait_for_selector("li.result")  # htmx replaced the results without a page load
    # htmx pushes the search's own URL (shareable, reloadable): exactly the form's fields.
    page.wait_for_url(lambda url: "q=state" in url)
    assert urlsplit(page.url).path == "/search"
    assert parse_qs(urlsplit(page.url).query) == {"q": ["state space duality"], "mode": ["hybrid"]}
    first = page.locator("li.result h2").first.inner_text()
    assert "State Space Duality" in first
    assert page.locator("li.result mark").count() > 0
    page.screenshot(path=str(artifacts / "search.png"))
    page.close()
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(site + "/papers/2405.21060")
    plain.fill("#site-q", "diphoton")
    plain.press("#site-q", "Enter")
    plain.wait_for_url("**/search?q=diphoton")
    assert "diphoton" in plain.locator("li.result").first.inner_text().lower()
    context.close()
