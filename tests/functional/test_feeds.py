"""Atom feeds: valid Atom 1.0 that feedparser reads without the bozo flag, linked from the pages."""

import datetime as dt
import re
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from defusedxml import ElementTree as SafeElementTree
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


ATOM_NS = "{http://www.w3.org/2005/Atom}"
FEEDS = [
    "/feed.atom",
    "/papers/date/2025-10-30/feed.atom",
    "/papers/week/2025-W44/feed.atom",
    "/papers/month/2024-06/feed.atom",
    "/papers/trending/feed.atom",
]


def _rfc3339(value: str | None) -> dt.datetime:
    assert value is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value), value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _one(parent: ElementTree.Element, tag: str) -> ElementTree.Element:
    found = parent.findall(ATOM_NS + tag)
    assert len(found) == 1, f"<{tag}> {len(found)} times in <{parent.tag}>"
    return found[0]


def _ids_and_updated(client: TestClient, feed: str) -> list[tuple[str, str]]:
    root = SafeElementTree.fromstring(client.get(feed).content)
    return [(_one(e, "id").text or "", _one(e, "updated").text or "") for e in root.findall(ATOM_NS + "entry")]


@pytest.mark.parametrize("feed", FEEDS)
def test_feeds_follow_rfc_4287(loaded: Database, client: TestClient, feed: str) -> None:
    """What RFC 4287 §4.1 requires of a feed and its entries, read from the XML itself (feedparser forgives)."""
    root = SafeElementTree.fromstring(client.get(feed).content)
    assert root.tag == ATOM_NS + "feed"
    feed_id = _one(root, "id").text or ""
    assert urlsplit(feed_id).scheme in ("http", "https", "tag", "urn")
    feed_updated = _rfc3339(_one(root, "updated").text)
    assert (_one(root, "title").text or "").strip()
    links = root.findall(ATOM_NS + "link")
    assert [link.get("href") for link in links if link.get("rel") == "self"] == [f"http://testserver{feed}"]
    assert len([link for link in links if link.get("rel", "alternate") == "alternate"]) == 1
    feed_has_author = bool(root.findall(ATOM_NS + "author"))
    entries = root.findall(ATOM_NS + "entry")
    assert entries
    ids = []
    for entry in entries:
        ids.append(_one(entry, "id").text)
        updated = _rfc3339(_one(entry, "updated").text)
        assert updated <= feed_updated, "the feed's updated must not be older than an entry's"
        assert (_one(entry, "title").text or "").strip()
        alternates = [link for link in entry.findall(ATOM_NS + "link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternates) == 1  # at most one alternate per type and language; ours has one
        assert feed_has_author or entry.findall(ATOM_NS + "author")
        assert entry.findall(ATOM_NS + "summary") or entry.findall(ATOM_NS + "content")
    assert len(set(ids)) == len(ids), "entry ids must be unique within a feed"
    parsed = feedparser.parse(client.get(feed).content)
    assert not parsed.bozo and [e.id for e in parsed.entries] == ids


def test_entry_ids_and_dates_are_stable_across_requests_and_reimports(loaded: Database, client: TestClient) -> None:
    before = {feed: _ids_and_updated(client, feed) for feed in FEEDS}
    assert before == {feed: _ids_and_updated(client, feed) for feed in FEEDS}
    load_days(loaded)  # the same days imported again: nothing changed, so no entry may look new or updated
    assert before == {feed: _ids_and_updated(client, feed) for feed in FEEDS}
    # An entry's id is its paper's permanent address, whatever the feed it appears in.
    week = dict(before["/papers/week/2025-W44/feed.atom"])
    day = dict(before["/papers/date/2025-10-30/feed.atom"])
    assert set(day) <= set(week) and all(day[i] == week[i] for i in day)
    assert all(re.fullmatch(r"http://testserver/papers/\d{4}\.\d{4,5}", i) for i in week)
