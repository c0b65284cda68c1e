"""Security headers on every kind of response (pages, cached pages, static files, JSON, errors), and pages that
satisfy the policy: no inline script, no ``<style>`` element, no event-handler attribute."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database
from tests.conftest import HF_DAYS
from tests.factories import load_days, log_in, make_user

DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response: Response) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def assert_secured(response: Response) -> None:
    assert policy(response) == DIRECTIVES
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert len(response.headers.get_list("content-security-policy")) == 1


class _InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{tag} {name}=" for name in names if name.startswith("on")]
        self.found += [f"{tag} javascript: URL" for value in names.values() if (value or "").startswith("javascript:")]


def inline_code(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.found


@pytest.fixture
def cached_client(settings: Settings, db: Database) -> TestClient:
    load_days(db, HF_DAYS / "2024-06-03.json")
    return TestClient(create_app(settings.model_copy(update={"page_cache_seconds": 60}), db))


def test_every_kind_of_response_carries_the_headers(cached_client: TestClient) -> None:
    with cached_client as client:
        first, cached = client.get("/"), client.get("/")
        assert client.app.state.page_cache.hits == 1  # type: ignore[attr-defined]
        for response in (
            first,
            cached,
            client.get("/static/css/site.css"),
            client.get("/api/daily_papers"),
            client.get("/feed.atom"),
            client.get("/papers/2405.99999"),  # 404 page
            client.get("/api/papers/nonsense"),  # JSON error
            client.post("/logout", data={}),  # 403: no CSRF token
        ):
            assert_secured(response)


def test_the_api_docs_page_gets_its_own_policy(cached_client: TestClient) -> None:
    with cached_client as client:
        docs = client.get("/api/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.text
    directives = policy(docs)
    assert directives["script-src"] == "'self' 'unsafe-inline' https://cdn.jsdelivr.net"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert docs.headers["x-frame-options"] == "DENY"


def test_pages_need_no_inline_code(client: TestClient, db: Database) -> None:
    load_days(db, HF_DAYS / "2024-06-03.json")
    paths = ["/", "/papers/week/2024-W23", "/papers/2405.21060", "/search?q=mamba", "/login", "/signup"]
    paths += ["/subscribe", "/papers/trending", "/about/trending", "/no-such-page"]
    for path in paths:
        assert inline_code(client.get(path).text) == [], path
    make_user(db, "ada")
    log_in(client, "ada")
    for path in ["/", "/papers/2405.21060", "/settings", "/submit", "/collections", "/for-you", "/users/ada"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.text) == [], path
