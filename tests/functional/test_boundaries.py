"""Boundary values a hostile probe sent (issue #11): the calendar's first and last days and ids past what the
database's INTEGER holds. Each used to be a 500; each now gets a listing, a 400/404 page or a 422 API answer.
On both databases: PostgreSQL's INTEGER ends at 2^31-1, SQLite's at 2^63-1, so each has its own failing id."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from dailypapers.accounts.models import Role
from dailypapers.cli import app as cli
from dailypapers.db import Database
from dailypapers.digests import subscriptions
from dailypapers.papers.models import Paper
from dailypapers.web.params import MAX_ID, MAX_POSITION
from tests.factories import api_token, form_token, load_days, log_in, make_user

BEYOND_POSTGRES = 2**31  # one past PostgreSQL's INTEGER
BEYOND_SQLITE = 2**63  # one past SQLite's INTEGER
HUGE = 10**30
TOO_BIG = [BEYOND_POSTGRES, BEYOND_SQLITE, HUGE]

# Every listing at the calendar's edges: a valid period with no papers is an empty listing (200).
EDGE_PAGES = [
    "/papers/date/9999-12-31",
    "/papers/week/9999-W52",
    "/papers/month/9999-12",
    "/papers/date/0001-01-01",
    "/papers/week/0001-W01",
    "/papers/month/0001-01",
]
EDGE_FEEDS = [f"{page}/feed.atom" for page in EDGE_PAGES]
EDGE_API = [
    "/api/daily_papers?date=9999-12-31",
    "/api/daily_papers?week=9999-W52",
    "/api/daily_papers?month=9999-12",
    "/api/daily_papers?date=0001-01-01",
    "/api/daily_papers?week=0001-W01",
    "/api/daily_papers?month=0001-01",
    "/api/papers/search?q=model&from=0001-01-01&until=9999-12-31",
    "/api/papers/search?q=model&until=9999-12-31",
]
EDGE_SEARCH = ["/search?q=model&until=9999-12-31", "/search?q=model&from=0001-01-01&until=9999-12-31"]


@pytest.fixture
def loaded(db: Database) -> Database:
    load_days(db)
    return db


def test_periods_at_the_calendar_edges_are_listings(loaded: Database, client: TestClient) -> None:
    answers = {url: client.get(url) for url in [*EDGE_PAGES, *EDGE_FEEDS, *EDGE_API, *EDGE_SEARCH]}
    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(answers, 200)
    last_week = answers["/papers/week/9999-W52"].text
    assert "Week 52, 9999 (Dec 27 – Dec 31)" in last_week
    # The last period's "previous" is the latest day with papers; it has no "next" (there is no 10000-W01).
    last_day = answers["/papers/date/9999-12-31"].text
    assert 'href="/papers/date/2025-10-31"' in last_day
    assert not re.search(r'rel="next"', last_day)
    first_day = answers["/papers/date/0001-01-01"].text
    assert 'href="/papers/date/2024-06-03"' in first_day
    assert answers["/api/daily_papers?week=9999-W52"].json() == []


def test_search_until_the_last_day_keeps_every_paper(loaded: Database, client: TestClient) -> None:
    unbounded = client.get("/api/papers/search", params={"q": "model", "mode": "keyword", "limit": 100}).json()
    edges = client.get(
        "/api/papers/search",
        params={"q": "model", "mode": "keyword", "limit": 100, "from": "0001-01-01", "until": "9999-12-31"},
    ).json()
    assert unbounded and [p["id"] for p in edges] == [p["id"] for p in unbounded]


def test_search_dates_are_strictly_yyyy_mm_dd(loaded: Database, client: TestClient) -> None:
    # date.fromisoformat took these too; the spec (and now the server) offers YYYY-MM-DD only.
    for value in ("20251029", "2025-W44-1", "٢٠٢٥-١٠-٢٩"):
        response = client.get("/api/papers/search", params={"q": "model", "from": value})
        assert response.status_code == 400 and "expected YYYY-MM-DD" in response.json()["error"], value


def test_weekly_digest_of_the_last_week_composes(env_settings: object, loaded: Database) -> None:
    with loaded.write() as session:
        subscriptions.add(session, "weekly@example.org", "weekly", "", "", confirmed=True)
    result = CliRunner().invoke(cli, ["digest", "send", "--period", "weekly", "--date", "9999-12-31", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "weekly:9999-W52" in result.output


@pytest.mark.parametrize("bad", TOO_BIG)
def test_ids_past_the_integer_columns_are_refused_in_paths(loaded: Database, client: TestClient, bad: int) -> None:
    response = client.get(f"/authors/{bad}")
    assert response.status_code == 400 and f"less than or equal to {MAX_ID}" in response.text
    assert client.get(f"/authors/{MAX_ID}").status_code == 404  # the largest id is a plain "no such author"
    assert client.get("/authors/0").status_code == 400


@pytest.mark.parametrize("bad", TOO_BIG)
def test_ids_past_the_integer_columns_are_refused_in_forms(loaded: Database, client: TestClient, bad: int) -> None:
    make_user(loaded, "ada", role=Role.curator)  # a curator, so that the claim decision reaches its id
    log_in(client, "ada")
    token = form_token(client)
    paper = "/papers/2510.26692"
    posts = {
        f"/comments/{bad}/edit": {"body": "x"},
        f"/comments/{bad}/delete": {},
        f"/comments/{bad}/hide": {},
        f"/collections/{bad}/rename": {"name": "x"},
        f"/collections/{bad}/delete": {},
        f"/settings/tokens/{bad}/delete": {},
        f"/claims/{bad}/approve": {},
        f"{paper}/comments": {"body": "a reply", "parent_id": str(bad)},
        f"{paper}/save": {"collection_id": str(bad)},
        f"{paper}/unsave": {"collection_id": str(bad)},
        f"{paper}/claim": {"position": str(bad)},
    }
    answers = {
        path: client.post(path, data={**data, "csrf_token": token}, follow_redirects=False).status_code
        for path, data in posts.items()
    }
    assert answers == dict.fromkeys(posts, 400)
    assert client.get(f"/collections/{bad}").status_code == 400


def test_form_ids_in_other_scripts_digits_are_refused(loaded: Database, client: TestClient) -> None:
    # "²".isdigit() is true and int("²") raises: the old collection-id parser turned that into a 500.
    make_user(loaded, "ada")
    log_in(client, "ada")
    token = form_token(client)
    for value in ("²", "١٢", "-1", "1.5"):
        response = client.post(
            "/papers/2510.26692/save", data={"collection_id": value, "csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 400, value
    saved = client.post("/papers/2510.26692/save", data={"collection_id": "", "csrf_token": token})
    assert saved.status_code == 200 and "Saved in 1 collection" in saved.text  # empty: the reading list


def test_claim_positions_are_bounded(loaded: Database, client: TestClient) -> None:
    make_user(loaded, "ada")
    log_in(client, "ada")
    token = form_token(client)
    claim = "/papers/2510.26692/claim"
    too_far = client.post(claim, data={"position": str(MAX_POSITION + 1), "csrf_token": token})
    assert too_far.status_code == 400 and f"less than or equal to {MAX_POSITION}" in too_far.text
    last = client.post(claim, data={"position": str(MAX_POSITION), "csrf_token": token})
    assert last.status_code == 400 and "no author at that place" in last.text


@pytest.mark.parametrize("bad", TOO_BIG)
def test_ids_past_the_integer_columns_are_refused_in_json(loaded: Database, client: TestClient, bad: int) -> None:
    with loaded.read() as session:
        assert session.scalar(select(Paper.id).where(Paper.arxiv_id == "2510.26692")) is not None
    token = api_token(loaded, make_user(loaded, "ada"))
    response = client.post(
        "/api/papers/2510.26692/comments",
        json={"body": "a reply", "parentId": bad},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "parentId"]
    missing = client.post(
        "/api/papers/2510.26692/comments",
        json={"body": "a reply", "parentId": MAX_ID},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert missing.status_code == 400  # in range, but no such comment


def test_api_page_numbers_are_bounded(loaded: Database, client: TestClient) -> None:
    for params in ({"p": HUGE}, {"limit": HUGE}, {"p": -HUGE}):
        assert client.get("/api/daily_papers", params=params).status_code == 422, params
    for path in ("/papers/trending", "/search", "/papers/date/2025-10-29", f"/authors/{1}"):
        assert client.get(path, params={"page": HUGE, "q": "model"}).status_code == 400, path


def test_overlong_paper_versions_are_not_found(loaded: Database, client: TestClient) -> None:
    # int() of a 5,000-digit version raised a bare ValueError: a 500 on every paper route.
    version = "9" * 5000
    assert client.get(f"/papers/2510.26692v{version}").status_code == 404
    assert client.get(f"/api/papers/2510.26692v{version}").status_code == 404
    assert client.get("/papers/2510.26692v99999").status_code == 404


def test_nul_characters_are_refused_everywhere(loaded: Database, client: TestClient) -> None:
    # PostgreSQL's text cannot hold U+0000: each of these failed its query there (SQLite stored the NUL).
    urls = [
        "/users/%00",
        "/api/daily_papers?submitter=%00",
        "/papers/date/2025-10-29?q=a%00b",
        "/?q=%00",
        "/api/papers/search?q=model&author=%00",
        "/search?q=a%00b",
    ]
    answers = {url: client.get(url) for url in urls}
    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(urls, 400)
    assert "NUL character" in answers["/users/%00"].text
    assert "NUL character" in answers["/api/daily_papers?submitter=%00"].json()["error"]
    token = api_token(loaded, make_user(loaded, "ada"))
    comment = client.post(
        "/api/papers/2510.26692/comments",
        content=b'{"body": "a\\u0000b"}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert comment.status_code == 400 and "NUL character" in comment.json()["error"]
    escaped = client.post(  # a backslash and "u0000" are six ordinary characters
        "/api/papers/2510.26692/comments",
        content=b'{"body": "a\\\\u0000b"}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert escaped.status_code == 201 and escaped.json()["body"] == "a\\u0000b"
    log_in(client, "ada")
    form = client.post("/papers/2510.26692/comments", data={"body": "a\x00b", "csrf_token": form_token(client)})
    assert form.status_code == 400 and "NUL character" in form.text
