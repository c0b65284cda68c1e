"""The one filter vocabulary (papers/filters.py): the same filters give the same papers on the listing page, its
Atom feed, the JSON API, the MCP ``daily`` tool and a digest; bad values are a 400 naming the parameter."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

import anyio
import feedparser
import httpx2
import pytest
from fastapi.testclient import TestClient
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select

from dailypapers.accounts import services as accounts
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.digests.models import Frequency, OutboxMessage, Subscription
from dailypapers.digests.outbox import compose
from dailypapers.digests.schedule import covering
from tests.factories import load_days_with_categories, make_user

DAY = dt.date(2025, 10, 29)
_CARD = re.compile(r'<h2 class="card-title math"><a href="/papers/([^"]+)">')

# Each case: a strict, non-empty part of the day's 24 papers (checked below, so no case passes by matching all).
CASES = [
    "category=cs",
    "category=cs.CV&category=cs.RO",
    "category=cs.CL+cs.AI",
    "exclude_category=cs.CV",
    "exclude_category=cs",
    "exclude=video&exclude=reasoning",
    "has_code=true",
    "min_upvotes=20",
    "author=wang",
    "category=cs&exclude=language&min_upvotes=3&has_code=1",
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A digest as long as the day, so it shows every paper that passes (digests stop at digest_size).
    return settings.model_copy(update={"digest_size": 100})


def page_ids(client: TestClient, query: str) -> set[str]:
    response = client.get(f"/papers/date/{DAY}?{query}")
    assert response.status_code == 200, response.text
    return set(_CARD.findall(response.text))


def feed_ids(client: TestClient, query: str) -> set[str]:
    response = client.get(f"/papers/date/{DAY}/feed.atom?{query}")
    assert response.status_code == 200
    return {entry.link.rsplit("/papers/", 1)[1] for entry in feedparser.parse(response.content).entries}


def api_ids(client: TestClient, query: str) -> set[str]:
    response = client.get(f"/api/daily_papers?date={DAY}&limit=100&{query}")
    assert response.status_code == 200, response.text
    return {item["paper"]["id"] for item in response.json()}


def mcp_ids(url: str, bearer: str, query: str) -> set[str]:
    arguments: dict[str, Any] = {"date": str(DAY), "limit": 100}
    for name, value in parse_qsl(query):
        if name in ("category", "exclude_category", "exclude"):
            arguments.setdefault(name, []).append(value)
        elif name == "has_code":
            arguments[name] = value in ("true", "1")
        elif name == "min_upvotes":
            arguments[name] = int(value)
        else:
            arguments[name] = value
    found: set[str] = set()

    async def main() -> None:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer}"}) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
        ):
            result = await client.call_tool("daily", arguments)
            assert not result.is_error, result.content
            assert result.structured_content is not None
            found.update(p["id"] for p in result.structured_content["papers"])

    anyio.run(main)
    return found


def digest_ids(db: Database, settings: Settings, query: str) -> set[str]:
    from dailypapers.papers.models import Paper

    with db.write() as session:
        session.add(
            Subscription(
                email="reader@example.org",
                frequency=Frequency.daily.value,
                status="active",
                filters=query,
                confirmed_at=utcnow(),
            )
        )
    compose(db, settings, covering(Frequency.daily, DAY))
    with db.read() as session:
        [row] = session.scalars(select(OutboxMessage)).all()
        return set(session.scalars(select(Paper.arxiv_id).where(Paper.id.in_(row.paper_ids))))


@pytest.mark.parametrize("query", CASES)
def test_every_surface_gives_the_same_papers(
    db: Database, settings: Settings, client: TestClient, live_server: str, query: str
) -> None:
    load_days_with_categories(db)
    make_user(db, "ada")
    with db.write() as session:
        user = accounts.user_by_username(session, "ada")
        assert user is not None
        bearer = accounts.create_api_token(session, user, "agent", read_only=True)
    everything = api_ids(client, "")
    assert len(everything) == 24
    # The stored query string is the canonical one, as a subscriber's preferences save it.
    from dailypapers.digests.subscriptions import clean_filters

    expected = page_ids(client, query)
    assert expected and expected < everything, query
    assert feed_ids(client, query) == expected
    assert api_ids(client, query) == expected
    assert mcp_ids(live_server, bearer, query) == expected
    assert digest_ids(db, settings, clean_filters(query)) == expected


def test_filters_narrow_by_their_rules(db: Database, client: TestClient) -> None:
    load_days_with_categories(db)
    everything = api_ids(client, "")
    cs = api_ids(client, "category=cs")
    cv = api_ids(client, "category=cs.CV")
    assert cv <= cs
    assert api_ids(client, "exclude_category=cs.CV") == everything - cv
    # An archive prefix is the archive, never a longer name: "cs.C" is no category at all.
    assert api_ids(client, "category=cs.C") == set()
    assert api_ids(client, "has_code=true") < everything
    assert api_ids(client, "has_code=false") == everything  # false is no filter, not "without code"
    popular = api_ids(client, "min_upvotes=20")
    assert popular == api_ids(client, "min_upvotes=20&min_upvotes=20")
    assert api_ids(client, "min_upvotes=0") == everything


BAD = [
    ("category=cs..CL", "category"),
    ("category=" + "+".join(f"cs.A{chr(97 + i)}" for i in range(11)), "category"),
    ("exclude_category=%25", "exclude_category"),
    ("exclude=" + "x" * 51, "exclude"),
    ("has_code=maybe", "has_code"),
    ("min_upvotes=-1", "min_upvotes"),
    ("min_upvotes=1e3", "min_upvotes"),
    ("min_upvotes=%C2%B2", "min_upvotes"),  # "²": str.isdigit() says yes, int() says no
    ("min_upvotes=99999999999999999999", "min_upvotes"),
    ("author=" + "a" * 101, "author"),
]


@pytest.mark.parametrize(("query", "name"), BAD)
def test_a_bad_value_is_a_400_naming_the_parameter(db: Database, client: TestClient, query: str, name: str) -> None:
    load_days_with_categories(db)
    for path in (
        f"/papers/date/{DAY}",
        "/",
        "/papers/trending",
        "/papers/new",
        "/search?q=model",
        f"/papers/date/{DAY}/feed.atom",
        "/papers/trending/feed.atom",
        "/api/daily_papers",
        "/api/papers/search?q=model",
        "/api/papers/new",
    ):
        joiner = "&" if "?" in path else "?"
        response = client.get(f"{path}{joiner}{query}")
        assert response.status_code == 400, (path, query, response.status_code)
        body = response.json()["error"] if path.startswith("/api/") else response.text
        assert f"{name}:" in body, (path, body[:300])


def test_the_page_shows_its_filters_with_remove_links_and_a_filtered_feed(db: Database, client: TestClient) -> None:
    load_days_with_categories(db)
    html = client.get(f"/papers/date/{DAY}", params=[("category", "cs.CV"), ("has_code", "true"), ("q", "video")]).text
    chips = re.findall(r'<li class="filter-chip"><span>([^<]+)</span> <a href="([^"]+)"', html)
    assert [label for label, _ in chips] == ["in cs.CV", "with code"]
    # Each remove link keeps the other filter and the text query.
    assert chips[0][1].replace("&amp;", "&") == f"/papers/date/{DAY}?" + urlencode(
        [("q", "video"), ("has_code", "true")]
    )
    assert chips[1][1].replace("&amp;", "&") == f"/papers/date/{DAY}?" + urlencode(
        [("q", "video"), ("category", "cs.CV")]
    )
    feed = f"/papers/date/{DAY}/feed.atom?category=cs.CV&amp;has_code=true"
    # Both the <link rel="alternate"> of the head and the "Atom feed" link carry the filters.
    assert html.count(f'href="{feed}"') == 2
    parsed = feedparser.parse(client.get(feed.replace("&amp;", "&")).content)
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert self_link.endswith(feed.replace("&amp;", "&"))
    trending = client.get("/papers/trending?exclude=video").text
    assert 'href="/papers/trending/feed.atom?exclude=video"' in trending


def test_the_page_cache_keys_on_the_filters(db: Database, client: TestClient) -> None:
    load_days_with_categories(db)
    unfiltered = page_ids(client, "")
    filtered = page_ids(client, "category=cs.CV")
    assert filtered < unfiltered
    # Served again (now from the cache), each keeps its own papers.
    assert page_ids(client, "") == unfiltered
    assert page_ids(client, "category=cs.CV") == filtered
    assert page_ids(client, "category=cs.CV&utm=1") == filtered


def test_search_takes_the_same_filters(db: Database, client: TestClient) -> None:
    from dailypapers.papers.models import Paper

    load_days_with_categories(db)
    search = {"q": "model", "mode": "keyword", "limit": 120}
    hits = {h["paper"]["id"] for h in client.get("/api/papers/search", params=search).json()}
    kept = {
        h["paper"]["id"]
        for h in client.get("/api/papers/search", params={**search, "exclude_category": "cs.CV"}).json()
    }
    with db.read() as session:
        categories = dict(
            session.execute(select(Paper.arxiv_id, Paper.categories).where(Paper.arxiv_id.in_(hits))).all()
        )
    assert kept == {i for i in hits if "cs.CV" not in categories[i].split()}
    assert kept and kept < hits
    page = client.get("/search", params={**search, "exclude_category": "cs.CV"}).text
    assert "not in cs.CV" in page
