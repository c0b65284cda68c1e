"""The anonymous page cache: fresh within its TTL, bypassed by logged-in requests, never caching errors."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.web.page_cache import PageStore
from tests.conftest import HF_DAYS
from tests.factories import load_days


@pytest.fixture
def cached_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"page_cache_seconds": 60}), db)
    with TestClient(app) as client:
        yield client


def _store(client: TestClient) -> PageStore:
    store: PageStore = client.app.state.page_cache  # type: ignore[attr-defined]
    return store


def test_pages_are_served_from_memory_until_cleared(db: Database, cached_client: TestClient) -> None:
    load_days(db, HF_DAYS / "2024-06-03.json")
    first = cached_client.get("/")
    assert "June 3, 2024" in first.text
    load_days(db, HF_DAYS / "2025-10-31.json")
    assert cached_client.get("/").text == first.text  # within the TTL: the cached page
    store = _store(cached_client)
    assert store.hits == 1 and store.misses == 1
    store.clear()
    assert "October 31, 2025" in cached_client.get("/").text


def test_requests_with_credentials_bypass_the_cache(db: Database, cached_client: TestClient) -> None:
    load_days(db, HF_DAYS / "2024-06-03.json")
    cached_client.get("/api/daily_papers")
    load_days(db, HF_DAYS / "2025-10-31.json")
    anonymous = cached_client.get("/api/daily_papers").json()
    with_login = cached_client.get("/api/daily_papers", headers={"Cookie": "theme=dark; dp_session=abc"}).json()
    with_csrf_cookie = cached_client.get("/api/daily_papers", headers={"Cookie": "dp_csrf=xyz"}).json()
    assert len(anonymous) == len(with_csrf_cookie) == 6  # an anonymous visitor's CSRF cookie is no login
    assert len(with_login) == 25


def test_errors_and_other_queries_are_not_cached(db: Database, cached_client: TestClient) -> None:
    load_days(db, HF_DAYS / "2024-06-03.json")
    assert cached_client.get("/papers/2405.21060x").status_code == 404
    assert cached_client.get("/papers/2405.21060x").status_code == 404
    store = _store(cached_client)
    assert store.entries == {}
    cached_client.get("/", params={"q": "mamba"})
    cached_client.get("/", params={"q": "other"})
    assert len(store.entries) == 2  # keyed by the full query string
