"""Subscribing to digests through HTTP with real SMTP (aiosmtpd): double opt-in, the same answer for every
address, preferences and RFC 8058 one-click unsubscribe by signed links, and every refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.digests.models import Subscription, SubscriptionStatus
from tests.factories import csrf_from, load_days
from tests.smtp import SmtpSink


@pytest.fixture
def site(mail_settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(mail_settings, db), base_url="https://testserver") as client:
        yield client


def subscribe(client: TestClient, email: str, **fields: str) -> tuple[int, str]:
    token = csrf_from(client.get("/subscribe", params={"email": email}).text)
    data = {"email": email, "frequency": "daily", "categories": "", "keywords": "", "csrf_token": token, **fields}
    response = client.post("/subscribe", data=data)
    return response.status_code, response.text


def link(sink: SmtpSink, address: str, path: str) -> str:
    body = sink.to(address)[-1].message.get_content()
    match = re.search(rf"https://papers\.example\.org({re.escape(path)}\?token=\S+)", body)
    assert match, body
    return unquote(match.group(1))


def subscription(db: Database, email: str) -> Subscription:
    with db.read() as session:
        return session.scalars(select(Subscription).where(Subscription.email == email)).one()


def test_double_opt_in_preferences_and_one_click_unsubscribe(
    site: TestClient, db: Database, smtp_sink: SmtpSink
) -> None:
    status, page = subscribe(site, "Ada@Example.org", frequency="weekly", categories="cs.CL cs", keywords="diffusion")
    assert status == 200 and "Check your inbox" in page
    assert subscription(db, "ada@example.org").status == SubscriptionStatus.pending.value
    [mail] = smtp_sink.to("ada@example.org")
    assert "Confirm" in str(mail.message["Subject"])
    confirmed = site.post(link(smtp_sink, "ada@example.org", "/subscriptions/confirm"), follow_redirects=False)
    assert confirmed.status_code == 303
    manage_url = confirmed.headers["location"]
    sub = subscription(db, "ada@example.org")
    assert sub.status == "active" and sub.frequency == "weekly" and sub.categories == "cs.CL cs"
    page = site.get(manage_url)
    assert "Confirmed" in page.text and 'value="diffusion"' in page.text
    token = unquote(manage_url.split("token=", 1)[1].split("&", 1)[0])
    saved = site.post(
        "/subscriptions/manage",
        data={
            "token": token,
            "frequency": "daily",
            "categories": "",
            "keywords": "agents, rag",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and subscription(db, "ada@example.org").keywords == "agents, rag"
    # One click, as a mail provider does it: no cookies, the RFC 8058 body, the signed token in the URL.
    with TestClient(site.app, base_url="https://testserver") as provider:
        for _ in range(2):  # providers may retry: idempotent
            response = provider.post(
                f"/unsubscribe?token={token}",
                content=b"List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code == 200 and "You are unsubscribed" in response.text
    assert subscription(db, "ada@example.org").status == SubscriptionStatus.unsubscribed.value
    # The old confirmation link cannot bring the subscription back.
    for replay in (site.get, site.post):
        replayed = replay(link(smtp_sink, "ada@example.org", "/subscriptions/confirm"))
        assert replayed.status_code == 400 and "You unsubscribed after this link was sent" in replayed.text


def test_the_answer_is_the_same_for_subscribed_and_new_addresses(
    site: TestClient, db: Database, smtp_sink: SmtpSink
) -> None:
    subscribe(site, "old@example.org")
    site.post(link(smtp_sink, "old@example.org", "/subscriptions/confirm"))
    known = subscribe(site, "old@example.org", frequency="weekly")
    new = subscribe(site, "new@example.org")
    assert known[0] == new[0] == 200
    assert known[1].replace("old@example.org", "X") == new[1].replace("new@example.org", "X")
    # The subscriber's preferences are not changed by a stranger; the owner gets a link to them.
    assert subscription(db, "old@example.org").frequency == "daily"
    assert "already receives a daily digest" in smtp_sink.to("old@example.org")[-1].message.get_content()
    assert "/subscriptions/manage?token=" in smtp_sink.to("old@example.org")[-1].message.get_content()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "valid e-mail address"),
        ({"email": "a@example.org\r\nBcc: victim@example.org"}, "cannot contain line breaks"),
        ({"keywords": "diffusion\r\nBcc: victim@example.org"}, "cannot contain line breaks"),
        ({"categories": "cs.LG\nBcc: x@example.org"}, "cannot contain line breaks"),
        ({"keywords": "transformers, " * 800}, "under 1000 characters"),
        ({"keywords": ", ".join(f"k{i}" for i in range(21))}, "at most 20 keywords"),
        ({"categories": "cs.LG <script>"}, "is not an arXiv category"),
        ({"frequency": "hourly"}, "Choose daily or weekly"),
    ],
)
def test_bad_input_is_refused_clearly(
    site: TestClient, db: Database, smtp_sink: SmtpSink, fields: dict[str, str], message: str
) -> None:
    fields = dict(fields)  # parametrize shares the dict between the two backends
    email = fields.pop("email", "someone@example.org")
    status, page = subscribe(site, email, **fields)
    assert status == 400 and message in page
    assert smtp_sink.received == []
    with db.read() as session:
        assert session.scalar(select(Subscription)) is None


def test_tampered_and_outdated_links_are_refused(site: TestClient, db: Database, smtp_sink: SmtpSink) -> None:
    subscribe(site, "ada@example.org")
    first_confirm = link(smtp_sink, "ada@example.org", "/subscriptions/confirm")
    assert site.get(first_confirm[:-3] + "abc").status_code == 400
    tampered_manage = site.get("/subscriptions/manage", params={"token": "eyJzIjoxLCJ2IjoxfQ.forged.signature"})
    assert tampered_manage.status_code == 400 and "not valid" in tampered_manage.text
    assert site.post("/unsubscribe", params={"token": "forged"}).status_code == 400
    subscribe(site, "ada@example.org", frequency="weekly")  # still pending: a new link replaces the first
    stale = site.get(first_confirm)
    assert stale.status_code == 400 and "newer e-mail replaced it" in stale.text
    assert (
        site.post(link(smtp_sink, "ada@example.org", "/subscriptions/confirm"), follow_redirects=False).status_code
        == 303
    )


def test_listing_pages_link_to_the_form_and_stay_cacheable(site: TestClient, db: Database) -> None:
    load_days(db)
    page = site.get("/")
    assert '<form class="subscribe-box" method="get" action="/subscribe">' in page.text
    assert "set-cookie" not in page.headers  # no CSRF cookie on anonymous listings
    prefilled = site.get("/subscribe", params={"email": "x@example.org", "frequency": "weekly"})
    assert 'value="x@example.org"' in prefilled.text and 'value="weekly" checked' in prefilled.text


def test_subscribing_is_rate_limited(mail_settings: Settings, db: Database) -> None:
    app = create_app(mail_settings.model_copy(update={"rate_limit_subscribe": "2/hour"}), db)
    with TestClient(app, base_url="https://testserver") as client:
        assert subscribe(client, "a@example.org")[0] == 200
        assert subscribe(client, "b@example.org")[0] == 200
        assert subscribe(client, "c@example.org")[0] == 429


def test_a_get_never_unsubscribes(site: TestClient, db: Database, smtp_sink: SmtpSink) -> None:
    """Link scanners and mail previews follow links: the visible unsubscribe link (and the manage link) only show
    a page; the subscription ends on the POST of that page's form."""
    subscribe(site, "ada@example.org")
    confirmed = site.post(link(smtp_sink, "ada@example.org", "/subscriptions/confirm"), follow_redirects=False)
    token = unquote(confirmed.headers["location"].split("token=", 1)[1].split("&", 1)[0])
    with TestClient(site.app, base_url="https://testserver") as scanner:  # no cookies, as a scanner has none
        for _ in range(3):
            page = scanner.get("/unsubscribe", params={"token": token})
            assert page.status_code == 200 and "Stop the daily digest" in page.text
            assert scanner.get("/subscriptions/manage", params={"token": token}).status_code == 200
            assert subscription(db, "ada@example.org").status == SubscriptionStatus.active.value
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action, page.text
        done = scanner.post(action.group(1).replace("&amp;", "&"))
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert subscription(db, "ada@example.org").status == SubscriptionStatus.unsubscribed.value


def test_a_get_never_confirms(site: TestClient, db: Database, smtp_sink: SmtpSink) -> None:
    """An address someone else typed into the form must not be subscribed by its own mail scanner: the
    confirmation link shows a page, and only that page's button (a cookie-free POST) confirms."""
    subscribe(site, "ada@example.org")
    confirm_link = link(smtp_sink, "ada@example.org", "/subscriptions/confirm")
    with TestClient(site.app, base_url="https://testserver") as scanner:  # no cookies, as a scanner has none
        for _ in range(3):
            page = scanner.get(confirm_link, follow_redirects=False)
            assert page.status_code == 200 and "Send the daily digest to <strong>ada@example.org</strong>" in page.text
            assert subscription(db, "ada@example.org").status == SubscriptionStatus.pending.value
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action, page.text
        done = scanner.post(action.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert done.status_code == 303 and "/subscriptions/manage?token=" in done.headers["location"]
    assert subscription(db, "ada@example.org").status == SubscriptionStatus.active.value
