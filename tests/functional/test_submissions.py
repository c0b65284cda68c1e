"""Submissions through HTTP, with arXiv replayed on loopback: every rule and every refusal, duplicates
becoming upvotes, curators featuring and hiding entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.accounts.models import Role
from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import DailyEntry, Paper
from tests.conftest import _free_port
from tests.factories import api_token, csrf_from, form_token, load_days, log_in, make_user
from tests.replay import ReplayServer

RECORDED = "1605.08386"  # in tests/fixtures/arxiv_api, first version from May 2016


def client_for(settings: Settings, db: Database, **overrides: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=overrides), db))


@pytest.fixture
def open_rules(source_settings: Settings, db: Database) -> Iterator[TestClient]:
    """A member's client on a site that accepts papers of any age."""
    make_user(db, "ada")
    with client_for(source_settings, db, submission_max_age_days=100_000) as client:
        log_in(client, "ada")
        yield client


def submit(client: TestClient, text: str) -> tuple[int, str]:
    token = csrf_from(client.get("/submit").text)
    response = client.post("/submit", data={"arxiv_id": text, "csrf_token": token}, follow_redirects=False)
    return response.status_code, response.headers.get("location") or response.text


def entry_of(db: Database, arxiv_id: str) -> tuple[DailyEntry, Paper] | None:
    with db.read() as session:
        row = session.execute(
            select(DailyEntry, Paper).join(DailyEntry.paper).where(Paper.arxiv_id == arxiv_id)
        ).one_or_none()
        return (row[0], row[1]) if row else None


def test_submit_fetches_an_unknown_paper_and_puts_it_on_today(
    open_rules: TestClient, db: Database, replay: ReplayServer
) -> None:
    status, where = submit(open_rules, f"https://arxiv.org/abs/{RECORDED}v2")
    assert (status, where) == (303, f"/papers/{RECORDED}?submitted=submitted")
    found = entry_of(db, RECORDED)
    assert found is not None
    entry, paper = found
    assert entry.day == dt.datetime.now(dt.UTC).date() and entry.submitted_by is not None
    assert entry.submitted_by.username == "ada" and paper.upvotes == 1  # the submitter's own upvote
    assert [route for route, _ in replay.requests] == ["api"]
    assert RECORDED in open_rules.get("/").text  # on today's listing
    assert f"/papers/{RECORDED}" in open_rules.get("/users/ada").text


def test_a_second_submission_is_an_upvote(open_rules: TestClient, source_settings: Settings, db: Database) -> None:
    submit(open_rules, RECORDED)
    make_user(db, "grace")
    with client_for(source_settings, db, submission_max_age_days=100_000) as other:
        log_in(other, "grace")
        assert submit(other, RECORDED)[1] == f"/papers/{RECORDED}?submitted=upvoted"
        assert submit(other, RECORDED)[1] == f"/papers/{RECORDED}?submitted=already_upvoted"
    found = entry_of(db, RECORDED)
    assert found is not None and found[1].upvotes == 2 and found[0].submitted_by.username == "ada"  # type: ignore[union-attr]


def test_refusals_say_which_rule(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    make_user(db, "ada")
    with client_for(source_settings, db) as client:
        log_in(client, "ada")
        status, text = submit(client, RECORDED)
        assert status == 400 and "at most 14 days old" in text and "May" in text and "2016" in text
        status, text = submit(client, "not an id")
        assert status == 400 and "not an arXiv id or link" in text
        status, text = submit(client, "2501.99999")  # well-formed, but arXiv answers with no entry
        assert status == 400 and "arXiv has no paper 2501.99999" in text
    assert entry_of(db, RECORDED) is None
    with client_for(source_settings, db, submission_max_age_days=100_000, submission_daily_limit=1) as client:
        log_in(client, "ada")
        assert submit(client, RECORDED)[0] == 303
        status, text = submit(client, "1707.08567")
        assert status == 400 and "the daily limit" in text
    assert entry_of(db, "1707.08567") is None


def test_curators_submit_any_age(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    make_user(db, "curie", role=Role.curator)
    with client_for(source_settings, db, submission_daily_limit=0) as client:
        log_in(client, "curie")
        assert submit(client, RECORDED)[0] == 303
    assert entry_of(db, RECORDED) is not None


def test_unreachable_arxiv_is_a_clear_error_and_stores_nothing(source_settings: Settings, db: Database) -> None:
    make_user(db, "ada")
    with client_for(source_settings, db, arxiv_api_url=f"http://127.0.0.1:{_free_port()}/api/query") as client:
        log_in(client, "ada")
        status, text = submit(client, RECORDED)
    assert status == 502 and "could not look the paper up on arXiv" in text and "Try again later" in text
    with db.read() as session:
        assert session.scalar(select(Paper)) is None


def test_submit_through_the_api(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    token = api_token(db, make_user(db, "ada"))
    headers = {"Authorization": f"Bearer {token}"}
    with client_for(source_settings, db, submission_max_age_days=100_000) as client:
        response = client.post("/api/papers/submit", json={"arxivId": RECORDED}, headers=headers)
        assert response.status_code == 200
        assert response.json()["outcome"] == "submitted" and response.json()["paperId"] == RECORDED
        refused = client.post("/api/papers/submit", json={"arxivId": "nonsense"}, headers=headers)
        as_hf = client.post("/api/papers/submit", json={"paper_id": RECORDED}, headers=headers)
        assert as_hf.status_code == 200 and as_hf.json()["paperId"] == RECORDED
        assert as_hf.json()["outcome"] == "already_upvoted"
        assert client.post("/api/papers/submit", json={}, headers=headers).status_code == 422
        assert refused.status_code == 400 and "not an arXiv id" in refused.json()["error"]
        assert client.post("/api/papers/submit", json={"arxivId": RECORDED}).status_code == 401


def test_submissions_are_rate_limited(open_rules: TestClient, source_settings: Settings, db: Database) -> None:
    with client_for(source_settings, db, rate_limit_submit="2/hour", submission_max_age_days=100_000) as client:
        log_in(client, "ada")
        assert submit(client, RECORDED)[0] == 303
        assert submit(client, RECORDED)[0] == 303
        token = form_token(client, "/submit")
        limited = client.post("/submit", data={"arxiv_id": RECORDED, "csrf_token": token})
    assert limited.status_code == 429 and limited.headers["retry-after"]


def test_curators_feature_and_hide_entries(client: TestClient, db: Database) -> None:
    load_days(db)
    make_user(db, "curie", role=Role.curator)
    make_user(db, "ada")
    with db.read() as session:
        day = session.scalar(select(DailyEntry.day).order_by(DailyEntry.day.desc()))
        least = (
            session.execute(
                select(Paper.arxiv_id).join(DailyEntry.paper).where(DailyEntry.day == day).order_by(Paper.upvotes)
            )
            .scalars()
            .first()
        )
    assert least is not None
    log_in(client, "ada")
    token = form_token(client, f"/papers/{least}")
    assert client.post(f"/papers/{least}/feature", data={"csrf_token": token}).status_code == 403
    client.cookies.clear()
    log_in(client, "curie")
    token = form_token(client, f"/papers/{least}")
    client.post(f"/papers/{least}/feature", data={"csrf_token": token, "featured": "1"})
    home = client.get("/").text
    first_card = home.index('<li class="card')
    assert home.index(f"/papers/{least}") - first_card < 1500 and "Featured" in home
    client.post(f"/papers/{least}/hide", data={"csrf_token": token, "hidden": "1"})
    assert f'/papers/{least}"' not in client.get("/").text
    api = client.get(f"/api/daily_papers?date={day}").json()
    assert least not in [item["paper"]["id"] for item in api]
    assert least not in client.get("/feed.atom").text
    assert client.get(f"/papers/{least}").status_code == 200  # the paper itself stays
    client.post(f"/papers/{least}/hide", data={"csrf_token": token, "hidden": "0"})
    assert f"/papers/{least}" in client.get("/").text
