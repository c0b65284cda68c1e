"""The page cache is bounded: cache-busting query strings do not grow it, it never holds more than its byte
budget, and expired pages leave memory (an injected clock, never a sleep)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.web.page_cache import PageStore
from tests.conftest import HF_DAYS
from tests.factories import load_days

TTL_SECONDS = 60.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cached_app(settings: Settings, db: Database, **update: object) -> FastAPI:
    return create_app(settings.model_copy(update={"page_cache_seconds": TTL_SECONDS, **update}), db)


def store_of(client: TestClient) -> PageStore:
    store: PageStore = client.app.state.page_cache  # type: ignore[attr-defined]
    return store


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    load_days(db, HF_DAYS / "2024-06-03.json")
    with TestClient(cached_app(settings, db)) as test_client:
        yield test_client


def test_cache_busting_query_strings_are_one_entry(client: TestClient) -> None:
    first = client.get("/", params={"utm_source": "x0"})
    for i in range(1, 200):
        response = client.get("/", params={"utm_source": f"x{i}", f"bust{i}": "1"})
        assert response.status_code == 200 and response.text == first.text
    store = store_of(client)
    assert len(store.entries) == 1 and store.hits == 199
    assert "utm_source" not in first.text  # the page never saw the dropped parameters


def test_parameters_another_route_reads_are_dropped_once_the_route_is_known(client: TestClient) -> None:
    """``sort`` is a parameter of the API, not of the home page: the first request learns which route serves
    ``/``, and from then on ``?sort=`` cannot make new entries either."""
    for value in ["a", "b", "c", "d"]:
        assert client.get("/", params={"sort": value}).status_code == 200
    store = store_of(client)
    assert list(store.entries) == [b"GET /?"] and store.hits == 3


def test_parameters_a_page_reads_still_make_their_own_pages(client: TestClient) -> None:
    page_one = client.get("/papers/date/2024-06-03")
    filtered = client.get("/papers/date/2024-06-03", params={"q": "mamba", "junk": "1"})
    assert page_one.text != filtered.text
    same_filter = client.get("/papers/date/2024-06-03", params={"junk": "2", "q": "mamba"})
    assert same_filter.text == filtered.text
    assert sorted(store_of(client).entries) == [b"GET /papers/date/2024-06-03?", b"GET /papers/date/2024-06-03?q=mamba"]


def test_the_byte_budget_holds_and_evicts_the_least_recently_used(settings: Settings, db: Database) -> None:
    load_days(db, HF_DAYS / "2024-06-03.json")
    with TestClient(cached_app(settings, db)) as probe:
        probe.get("/", params={"q": "word00"})  # the pages below differ only in the echoed query
        page_bytes = store_of(probe).bytes
    budget = 3 * page_bytes + page_bytes // 2  # room for three of them
    with TestClient(cached_app(settings, db, page_cache_max_bytes=budget)) as client:
        store = store_of(client)
        for i in range(20):
            client.get("/", params={"q": f"word{i}"})
            assert store.bytes <= budget
        assert 2 <= len(store.entries) <= 3
        assert b"GET /?q=word19" in store.entries and b"GET /?q=word0" not in store.entries
        assert store.bytes == sum(entry.size(key) for key, entry in store.entries.items())


def test_expired_pages_are_swept(client: TestClient) -> None:
    store = store_of(client)
    clock = FakeClock()
    store.clock = clock
    for i in range(10):
        client.get("/", params={"q": f"word{i}"})
    client.get("/")
    assert len(store.entries) == 11
    clock.now += TTL_SECONDS / 2
    client.get("/")  # a hit: the home page is now the most recently used of the oldest entries
    clock.now += TTL_SECONDS  # everything has expired
    client.get("/papers/date/2024-06-03")  # one new page: storing it sweeps the rest away
    assert list(store.entries) == [b"GET /papers/date/2024-06-03?"]
    assert store.bytes == store.entries[b"GET /papers/date/2024-06-03?"].size(b"GET /papers/date/2024-06-03?")
    clock.now += TTL_SECONDS
    assert client.get("/papers/date/2024-06-03").status_code == 200  # expired: rendered again, not served stale
    assert store.misses == 13 and store.hits == 1
