"""The strict Content-Security-Policy in Chromium: the main pages raise no violation while KaTeX renders and htmx
swaps, and math in a comment stays inside its comment (``\\rule{3000px}{3000px}`` once painted a black box over
the page for every visitor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page

from dailypapers.db import Database
from dailypapers.ingest.files import import_paper_batch
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.sources.arxiv_kaggle import iter_records
from tests.conftest import FIXTURES
from tests.factories import PASSWORD, load_days, make_user

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

MATH_PAPER = "0704.0013"  # title and abstract with $…$ (tests/fixtures/kaggle)
# Collects violations from the page itself; an init script runs before the page's own scripts and outside its CSP.
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push([e.violatedDirective, e.blockedURI || "inline", e.sourceFile, e.lineNumber].join(" "));
});
"""


@pytest.fixture
def site(db: Database, live_server: str) -> str:
    load_days(db)
    records = [(f"line {n}", r) for n, r in iter_records(FIXTURES / "kaggle" / "snapshot-head50.jsonl")]
    import_paper_batch(db, records, ImportSummary())  # type: ignore[arg-type]
    make_user(db, "ada", fullname="Ada Lovelace")
    return live_server


def watched_page(browser: Browser) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            console.append(message.text)

    page.on("console", on_console)
    page.add_init_script(WATCH_VIOLATIONS)
    return page, console


def violations(page: Page, console: list[str]) -> list[str]:
    reported: list[str] = page.evaluate("window.__csp")
    return reported + [text for text in console if "Content Security Policy" in text or "Refused to" in text]


def log_in(page: Page, site: str) -> None:
    page.goto(site + "/login")
    page.fill("#login", "ada")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector(".account-nav .me")


def comment(page: Page, body: str) -> None:
    page.fill("#comment-body", body)
    page.click(".comment-form button[type=submit]")
    page.wait_for_load_state("load")


def test_main_pages_raise_no_violation(browser: Browser, site: str, artifacts: Path) -> None:
    page, console = watched_page(browser)
    page.goto(site + "/")
    assert page.locator("li.card").count() > 0
    page.goto(site + "/papers/week/2025-W44")
    page.goto(site + f"/papers/{MATH_PAPER}")
    page.wait_for_selector("h1 .katex")  # KaTeX ran under the policy
    assert page.locator(".abstract-full .katex").count() >= 3
    page.goto(site + "/search")
    page.fill("#search-q", "state space duality")
    page.wait_for_selector("li.result")  # htmx fetched and swapped the results in place
    assert "State Space Duality" in page.locator("li.result h2").first.inner_text()
    page.goto(site + "/login")
    page.goto(site + "/api/docs")  # Swagger UI has its own, wider policy (no CDN here, so only load it)
    page.goto(site + "/no-such-page")
    assert violations(page, console) == []

    log_in(page, site)
    page.goto(site + f"/papers/{MATH_PAPER}")
    comment(page, "Nice: $\\sum_{i=1}^n x_i^2 = \\|x\\|^2$ and $$\\int_0^1 f(t)\\,dt$$")
    page.wait_for_selector(".comment-body .katex")
    # An htmx vote: the button is swapped in place, under the policy.
    before = page.locator(".actions .votes").get_attribute("aria-pressed")
    page.click(".actions .votes")
    page.wait_for_function(
        "(before) => document.querySelector('.actions .votes').getAttribute('aria-pressed') !== before", arg=before
    )
    page.screenshot(path=str(artifacts / "csp-paper-with-comment.png"), full_page=True)
    assert violations(page, console) == []
    # The policy is in force: an injected inline script does not run, and is reported.
    ran = page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__injected = 1";
                   document.body.appendChild(s); return window.__injected === 1; }"""
    )
    assert ran is False
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__csp")[0].startswith("script-src-elem inline")
    page.close()


def test_comment_math_stays_inside_its_comment(browser: Browser, site: str, artifacts: Path) -> None:
    page, console = watched_page(browser)
    log_in(page, site)
    page.goto(site + f"/papers/{MATH_PAPER}")
    # A plain oversized rule; one lowered and smashed (no height or depth), which KaTeX's bound alone does not
    # keep off the comment below; one pushed far left by a negative space (spaces are not bounded).
    hostile = "$\\rule{3000px}{3000px}$ $\\smash{\\rule[-3000px]{3000px}{3000px}}$ $\\hspace{-3000px}\\rule{9em}{1em}$"
    comment(page, hostile)
    comment(page, "A normal comment below it.")
    page.wait_for_selector(".comment-body .katex-rule")
    normal = page.locator("li.comment").nth(1)
    assert "normal comment" in normal.inner_text()
    # The rules are capped (KaTeX maxSize, 10 em) ...
    for rule in page.locator(".comment-body .katex-rule").all():
        rule_box = rule.bounding_box()
        assert rule_box is not None and rule_box["width"] < 400 and rule_box["height"] < 400
    # ... and what is painted stays in the comment: the comment below is what the visitor sees and clicks.
    author = normal.locator(".comment-author")
    author.scroll_into_view_if_needed()
    target = author.bounding_box()
    assert target is not None
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.comment-author') !== null",
        [target["x"] + target["width"] / 2, target["y"] + target["height"] / 2],
    )
    assert on_top
    page.screenshot(path=str(artifacts / "csp-hostile-math.png"), full_page=True)
    author.click()
    page.wait_for_url("**/users/ada")
    assert violations(page, console) == []
    page.close()
