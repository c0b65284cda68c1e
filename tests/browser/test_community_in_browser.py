"""What a member does, in a real browser: sign up, confirm, submit, upvote (htmx), comment with math. And the
XSS suite: hostile titles, comments, display names and collection names must not execute anywhere."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Dialog, Page
from sqlalchemy import select

from dailypapers.accounts.models import Role
from dailypapers.app import create_app
from dailypapers.community import claims, collections, comments
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.digests import subscriptions
from dailypapers.digests.compose import PeriodDigests
from dailypapers.digests.models import Frequency, Subscription
from dailypapers.digests.schedule import covering
from dailypapers.papers.models import Paper
from dailypapers.sources.huggingface import parse_day_bytes
from tests.factories import PASSWORD, import_items, load_days, make_user
from tests.replay import ReplayServer

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

RECORDED = "1605.08386"


@pytest.fixture
def app(source_settings: Settings, db: Database, replay: ReplayServer) -> FastAPI:
    """The site with arXiv replayed on loopback and papers of any age accepted."""
    return create_app(source_settings.model_copy(update={"submission_max_age_days": 100_000}), db)


def confirmation_link(caplog: pytest.LogCaptureFixture) -> str:
    for record in reversed(caplog.records):
        if record.name == "dailypapers.email":
            # The console sender logs the raw message; quoted-printable may fold the link, so unfold it.
            raw = record.getMessage().replace("=\n", "").replace("=3D", "=")
            match = re.search(r"(/confirm\?token=[\w.\-%]+)", raw)
            if match:
                return match.group(1)
    raise AssertionError("no confirmation e-mail was logged")


def test_sign_up_submit_upvote_comment(
    browser: Browser, db: Database, live_server: str, artifacts: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    load_days(db)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/signup")
    page.fill("#username", "ada")
    page.fill("#fullname", "Ada Lovelace")
    page.fill("#email", "ada@example.org")
    page.fill("#password", PASSWORD)
    page.screenshot(path=str(artifacts / "community-1-signup.png"))
    page.click("button[type=submit].primary")
    assert page.locator("h1").inner_text() == "Check your inbox"
    # The link asks for the password (it is no login by itself); confirming logs in.
    page.goto(live_server + confirmation_link(caplog))
    assert page.locator("h1").inner_text() == "Confirm your address"
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    assert page.locator(".account-nav .me").inner_text() == "Ada Lovelace"

    page.click("text=Submit")
    page.fill("#arxiv-id", f"https://arxiv.org/abs/{RECORDED}")
    page.click("button[type=submit].primary")
    assert page.url.endswith(f"/papers/{RECORDED}?submitted=submitted")
    vote = page.locator(".actions .votes")
    assert vote.get_attribute("aria-pressed") == "true" and vote.locator("strong").inner_text() == "1"
    page.screenshot(path=str(artifacts / "community-2-submitted.png"))

    # Withdraw and give the upvote again: htmx swaps the button in place, no page load.
    page.evaluate("window.__same_page = true")
    page.click(".actions .votes")
    page.wait_for_selector('.actions .votes[aria-pressed="false"]')
    assert page.locator(".actions .votes strong").inner_text() == "0"
    page.click(".actions .votes")
    page.wait_for_selector('.actions .votes[aria-pressed="true"]')
    assert page.evaluate("window.__same_page") is True

    page.fill("#comment-body", "The bound $\\sum_{i=1}^n i = \\frac{n(n+1)}{2}$ is **tight**.")
    page.click(".comment-form button[type=submit]")
    page.wait_for_selector(".comment-body .katex")
    body = page.locator(".comment-body").first
    assert body.locator("strong").inner_text() == "tight"
    assert body.locator(".katex").count() == 1
    page.locator("#comments").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "community-3-comment-with-math.png"), full_page=True)

    page.goto(live_server + "/")
    card = page.locator(f'li.card:has(a[href="/papers/{RECORDED}"])')
    assert card.locator(".votes").get_attribute("aria-pressed") == "true"
    page.close()


def test_anonymous_visitors_see_pages_without_forms(browser: Browser, db: Database, live_server: str) -> None:
    load_days(db)
    page = browser.new_page()
    page.goto(live_server + "/papers/2405.21060")
    assert page.locator("form[method=post]").count() == 0
    page.click(".actions .votes")  # a link to log in
    assert "/login?next=/papers/2405.21060" in page.url
    page.close()


PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<svg onload="window.__xss=1"></svg>',
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1>",
    "[click me](javascript:window.__xss=1)",
    "![pixel](javascript:window.__xss=1)",
    '<a href="javascript:window.__xss=1">link</a>',
    "$\\href{javascript:window.__xss=1}{math link}$",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<style>body{display:none}</style>",
    "evil\u202egnp.exe",
]
HOSTILE_ID = "2511.00001"


def _plant(db: Database, site_settings: Settings) -> str:
    """Every payload, in every field people can write or that sources send us (the paper arrives through the
    Hugging Face import path, as any listing would). Returns the manage token of a hostile digest subscription."""
    now = dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    item = {
        "paper": {
            "id": HOSTILE_ID,
            "title": "Hostile " + " ".join(PAYLOADS[:5]) + " window",
            "summary": " ".join(PAYLOADS),
            "authors": [{"name": PAYLOADS[1][:60]}, {"name": "Plain Author"}],
            "publishedAt": stamp,
            "upvotes": 3,
            "ai_summary": PAYLOADS[3],
        },
        "publishedAt": stamp,
        "title": "Hostile " + " ".join(PAYLOADS[:5]) + " window",
        "submittedBy": {"name": "hostile", "fullname": PAYLOADS[2] + PAYLOADS[-1]},
    }
    import_items(db, parse_day_bytes(json.dumps([item]).encode(), now.date()))
    users = [make_user(db, f"x{i}", fullname=payload[:100]) for i, payload in enumerate(PAYLOADS)]
    curator = make_user(db, "curie", role=Role.curator, fullname=PAYLOADS[0])
    settings = Settings()
    with db.write() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == HOSTILE_ID)).one()
        parent = None
        for user, payload in zip(users, PAYLOADS, strict=True):
            made = comments.add_comment(session, settings, user, paper, f"{payload}\n\n{payload}", parent)
            parent = parent or made.id
            collections.create_collection(session, users[0], payload[:100])
        collections.save(session, users[0], paper)
        claims.file_claim(session, users[1], paper, 0)
        # A hidden comment: only curators see its text, so only their pages can show whether it is escaped.
        hidden = comments.add_comment(session, settings, users[2], paper, " ".join(PAYLOADS), None)
        comments.set_hidden(session, curator, hidden.id, True)
        keywords = ", ".join(p for p in PAYLOADS[:5])  # a subscriber's own words, shown on the manage page
        subscription = subscriptions.add(session, "hostile@example.org", "daily", "", keywords, confirmed=True)
        session.flush()
        return subscriptions.manage_token(site_settings, subscription)


SITE_SCRIPTS_RAN = ".theme-toggle:not([hidden])"  # site.js unhides it after rendering the page's math
LISTS_HOSTILE = f'a[href="/papers/{HOSTILE_ID}"]'


def _visit(page: Page, url: str, dialogs: list[Dialog], shows: str | None = None, scripts: bool = True) -> None:
    """Load ``url`` and check that nothing hostile ran or was built. Inline scripts and onerror/onload handlers
    run before the load event; the deferred scripts (KaTeX auto-render, htmx) have run once site.js, the last of
    them, has shown the theme toggle: that is the positive signal waited for (JSON pages have no scripts).
    ``shows``: a selector that must be on the page, so the visit really met the hostile data."""
    page.goto(url)
    page.wait_for_load_state("load")
    if scripts:
        page.wait_for_selector(SITE_SCRIPTS_RAN, state="attached")
    _check(page, url, dialogs, shows)


def _check(page: Page, url: str, dialogs: list[Dialog], shows: str | None = None) -> None:
    if shows is not None:
        assert page.locator(shows).count() > 0, f"{url} does not show {shows}"
    assert page.evaluate("window.__xss") is None, url
    assert dialogs == [], url
    assert page.locator('a[href^="javascript:" i], iframe, img[onerror], svg[onload]').count() == 0, url
    assert page.evaluate("getComputedStyle(document.body).display") != "none", url
    assert "\u202e" not in page.locator("body").inner_text(), url


def test_xss_suite(
    browser: Browser, db: Database, source_settings: Settings, live_server: str, artifacts: Path
) -> None:
    site_settings = source_settings  # the live server's settings (its secret signs the manage link)
    load_days(db)
    manage_token = quote(_plant(db, site_settings))
    today = dt.datetime.now(dt.UTC).date()
    iso = today.isocalendar()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    reflected = urlencode({"email": PAYLOADS[3][:300], "frequency": PAYLOADS[4], "categories": PAYLOADS[0]})
    public = [
        ("/", LISTS_HOSTILE),
        (f"/papers/{HOSTILE_ID}", ".comment-body"),
        ("/papers/trending", LISTS_HOSTILE),
        (f"/papers/date/{today.isoformat()}", LISTS_HOSTILE),
        (f"/papers/week/{iso.year}-W{iso.week:02d}", LISTS_HOSTILE),
        (f"/papers/month/{today:%Y-%m}", LISTS_HOSTILE),
        ("/search?q=window", LISTS_HOSTILE),
        ("/users/x0", None),
        ("/users/x1", None),
        (f"/subscribe?{reflected}", "form"),  # query parameters echoed into the form
        (f"/subscriptions/manage?token={manage_token}", 'input[name="keywords"]'),
        (f"/unsubscribe?token={manage_token}", "form"),
    ]
    for path, shows in public:
        _visit(page, live_server + path, dialogs, shows)
    # JSON: a browser must render it as text.
    _visit(page, live_server + f"/api/papers/{HOSTILE_ID}/comments", dialogs, scripts=False)
    _digest_html(page, db, site_settings, dialogs)
    page.goto(live_server + f"/papers/{HOSTILE_ID}")
    author_link = page.locator(".paper-authors a").first.get_attribute("href")
    assert author_link is not None
    _visit(page, live_server + author_link, dialogs)
    page.goto(live_server + "/login")
    page.fill("#login", "x0")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    for path in ["/collections", f"/papers/{HOSTILE_ID}", "/settings", "/users/x0"]:
        _visit(page, live_server + path, dialogs)
    _visit(page, live_server + "/for-you", dialogs, LISTS_HOSTILE)
    page.goto(live_server + "/collections")
    first_collection = page.locator(".collections a").first.get_attribute("href")
    assert first_collection is not None
    _visit(page, live_server + first_collection, dialogs)
    page.goto(live_server + f"/papers/{HOSTILE_ID}")
    page.screenshot(path=str(artifacts / "xss-paper-page.png"), full_page=True)
    page.context.clear_cookies()
    page.goto(live_server + "/login")
    page.fill("#login", "curie")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    _visit(page, live_server + "/curate", dialogs)
    # Curators also see hidden comments' text.
    _visit(page, live_server + f"/papers/{HOSTILE_ID}", dialogs, ".comment.is-hidden .comment-body")
    page.close()


def _digest_html(page: Page, db: Database, settings: Settings, dialogs: list[Dialog]) -> None:
    """The HTML digest with the hostile paper in it, as a mail client that runs scripts would show it."""
    with db.read() as session:
        digests = PeriodDigests.load(session, settings, covering(Frequency.daily, dt.datetime.now(dt.UTC).date()))
    chosen = digests.choose(Subscription(email="reader@example.org", categories="", keywords=""))
    html = digests.render(chosen, [], "https://x.example/manage", "https://x.example/unsubscribe").html
    page.set_content(html, wait_until="load")
    _check(page, "the digest e-mail", dialogs, f'.paper a[href$="/papers/{HOSTILE_ID}"]')
