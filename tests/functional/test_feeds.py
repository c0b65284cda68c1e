"""Atom feeds: valid Atom 1.0 that feedparser reads without the bozo flag, linked from the pages."""

import feedparser
import pytest
from fastapi.testclient import TestClient

from dailypapers.db import Database
from tests.factories import load_days


@pytest.fixture
def loaded(db: Database) -> Database:
    load_days(db)
    return db


@pytest.mark.parametrize(
    ("page", "feed", "entries"),
    [
        ("/", "/feed.atom", 19),
        ("/papers/date/2025-10-30", "/papers/date/2025-10-30/feed.atom", 20),
        ("/papers/week/2025-W44", "/papers/week/2025-W44/feed.atom", 63),
        ("/papers/month/2024-06", "/papers/month/2024-06/feed.atom", 6),
    ],
)
def test_feeds_are_valid_and_linked(loaded: Database, client: TestClient, page: str, feed: str, entries: int) -> None:
    html = client.get(page).text
    assert 'type="application/atom+xml"' in html and f'href="{feed}"' in html
    response = client.get(feed)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == entries
    first = parsed.entries[0]
    assert first.link.startswith("http://testserver/papers/")
    assert first.title and first.summary and first.authors
    votes = [int(e.summary.split(" upvotes")[0]) for e in parsed.entries]
    assert votes == sorted(votes, reverse=True)


def test_feed_errors(loaded: Database, client: TestClient) -> None:
    assert client.get("/papers/date/2025-99-01/feed.atom").status_code == 400
    assert client.get("/papers/year/2025/feed.atom").status_code == 404


def test_empty_period_feed_is_still_valid(loaded: Database, client: TestClient) -> None:
    parsed = feedparser.parse(client.get("/papers/date/2020-01-01/feed.atom").content)
    assert not parsed.bozo
    assert parsed.entries == []


def test_no_latest_feed_without_papers(client: TestClient) -> None:
    assert client.get("/feed.atom").status_code == 404
