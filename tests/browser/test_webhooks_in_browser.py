"""A curator sets up a chat webhook in a real browser: the form, the secret shown once, a hostile channel name
that must not run, a test post that reaches the loopback service, and removing it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog

from dailypapers.accounts.models import Role
from dailypapers.db import Database
from tests.factories import PASSWORD, load_days, make_user
from tests.webhook_sink import WebhookSink

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
HOSTILE = '<img src=x onerror="window.__xss=1">'


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    server = WebhookSink().start()
    yield server
    server.stop()


def test_a_curator_adds_tests_and_removes_a_webhook(
    browser: Browser, db: Database, live_server: str, sink: WebhookSink, artifacts: Path
) -> None:
    load_days(db)
    make_user(db, "cura", role=Role.curator)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(live_server + "/login")
    page.fill("#login", "cura")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(live_server + "/settings/webhooks")
    page.fill("#wh-name", HOSTILE)
    page.select_option("#wh-service", "generic")
    page.fill("#wh-url", f"{sink.url}/generic/browser")
    page.fill("#wh-top", "3")
    page.click("form.stacked button[type=submit]")
    secret = page.locator(".new-token code").inner_text()
    assert len(secret) >= 40
    row = page.locator("table.webhooks tbody tr")
    assert row.count() == 1 and HOSTILE in row.locator("td").first.inner_text()  # shown as text
    assert f"{sink.url}/…" in row.inner_text() and "/generic/browser" not in page.content()
    sink.generic_secrets["/generic/browser"] = secret
    row.locator("button", has_text="Test").click()
    assert "Posted 3 papers of" in page.locator(".flash").inner_text()
    [hit] = sink.received("/generic/")
    assert hit.accepted and len(hit.json["papers"]) == 3
    page.screenshot(path=str(artifacts / "webhooks-settings.png"), full_page=True)
    page.locator("table.webhooks button", has_text="Remove").click()
    assert "No webhooks yet." in page.locator("main").inner_text()
    assert page.evaluate("window.__xss") is None and dialogs == []
    page.close()
