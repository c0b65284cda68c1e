"""The trending listing, its feed, the API's sort=trending and the page that states the formula."""

from __future__ import annotations

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.db import Database
from dailypapers.papers.models import Paper
from dailypapers.ranking import hotness
from tests.factories import load_days


def test_trending_page_feed_and_api_agree(db: Database, client: TestClient) -> None:
    load_days(db)
    with db.read() as session:
        expected = list(session.scalars(select(Paper.arxiv_id).order_by(Paper.trending_score.desc()).limit(5)))
    page = client.get("/papers/trending")
    assert page.status_code == 200
    positions = [page.text.index(f'href="/papers/{arxiv_id}"') for arxiv_id in expected]
    assert positions == sorted(positions)
    assert 'href="/papers/trending/feed.atom"' in page.text and 'aria-current="page">Trending' in page.text
    feed = feedparser.parse(client.get("/papers/trending/feed.atom").content)
    assert not feed.bozo and [e.link.rsplit("/", 1)[1] for e in feed.entries[:5]] == expected
    api = client.get("/api/daily_papers", params={"sort": "trending", "limit": 5}).json()
    assert [item["paper"]["id"] for item in api] == expected
    assert client.get("/papers/trending", params={"page": 99}).status_code == 400


def test_the_formula_is_published(client: TestClient) -> None:
    page = client.get("/about/trending").text
    assert "log_{10}" in page and "86,400" in page and "2020-01-01" in page
    assert f"{hotness.STAR_POINTS_MAX:g}" in page and "decay" not in page.split("How trending works")[0]
