"""Every answer of the JSON API's paper lists is exactly its documented model: the handlers build dicts
(api/shapes.py) for speed, so this validates real answers against the pydantic models of the OpenAPI document and
checks that dumping them again gives the same JSON (no key the model lacks, no null where a value is absent, the
same datetime format), on pages with everything filled in: approved claims, comments, replies, organisations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import select

from dailypapers.accounts.models import Role
from dailypapers.api.collections import CollectionWithPapersOut
from dailypapers.api.schemas import DailyPaperOut, PaperOut, PaperWithCommentsOut, SearchResultOut
from dailypapers.community import claims, collections, comments
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import DailyEntry, Paper
from tests.factories import api_token, load_days, make_user


@pytest.fixture
def filled(db: Database, settings: Settings) -> tuple[Database, str, str]:
    """The HF days, and on the busiest week's first papers an approved claim, a comment thread (one reply, one
    deleted comment that keeps its place) and a saved paper; returns the database, one such paper's id and the
    member's API token."""
    load_days(db)
    ada, grace = make_user(db, "ada"), make_user(db, "grace")
    curie = make_user(db, "curie", role=Role.curator)
    with db.write() as session:
        papers = list(
            session.scalars(
                select(Paper)
                .join(DailyEntry)
                .where(DailyEntry.day.between(dt.date(2025, 10, 27), dt.date(2025, 11, 2)))
                .limit(3)
            )
        )
        for paper in papers:
            claims.decide(session, curie, claims.file_claim(session, ada, paper, 0).id, approve=True)
            first = comments.add_comment(session, settings, grace, paper, "Why $x^2$?")
            comments.add_comment(session, settings, ada, paper, "Because.", first.id)
            comments.add_comment(session, settings, grace, paper, "And $y$?")
            comments.delete_comment(session, grace, first.id)  # kept in the thread, without its writer: a reply
            collections.save(session, ada, paper, None)
        arxiv_id = papers[0].arxiv_id
    return db, arxiv_id, api_token(db, ada)


def _same_after_validation(model: Any, body: Any) -> None:
    adapter = TypeAdapter(model)
    again = adapter.dump_python(adapter.validate_python(body), mode="json", by_alias=True, exclude_none=True)
    assert again == body


def test_every_paper_list_answer_is_its_model(filled: tuple[Database, str, str], client: TestClient) -> None:
    _, arxiv_id, token = filled
    listings = [
        {"limit": 100},
        {"week": "2025-W44", "limit": 100},
        {"date": "2025-10-29"},
        {"month": "2025-10", "sort": "trending"},
    ]
    for params in listings:
        body = client.get("/api/daily_papers", params=params).json()
        assert body, params
        _same_after_validation(list[DailyPaperOut], body)
    week = client.get("/api/daily_papers", params={"week": "2025-W44", "limit": 100}).json()
    claimed = [a for item in week for a in item["paper"]["authors"] if "user" in a]
    assert claimed and all(a["status"] == "claimed_verified" and a["user"]["name"] == "ada" for a in claimed)
    assert any(item["isAuthorParticipating"] for item in week)

    paper = client.get(f"/api/papers/{arxiv_id}").json()
    _same_after_validation(PaperOut, paper)
    assert paper["numComments"] == 2 and "comments" not in paper
    thread = client.get(f"/api/papers/{arxiv_id}", params={"field": "comments"}).json()
    _same_after_validation(PaperWithCommentsOut, thread)
    assert [len(c["replies"]) for c in thread["comments"]] == [1, 0]
    assert "author" not in thread["comments"][0] and thread["comments"][0]["data"]["hidden"]

    every = client.get("/api/papers", params={"limit": 20}).json()
    assert len(every) == 20
    _same_after_validation(list[PaperOut], every)
    # The same shaping as /api/papers; without vectors it is a title search, which may find nothing.
    _same_after_validation(list[PaperOut], client.get(f"/api/papers/{arxiv_id}/similar").json())

    hits = client.get("/api/papers/search", params={"q": "language model", "mode": "keyword"}).json()
    assert hits
    _same_after_validation(list[SearchResultOut], hits)

    auth = {"Authorization": f"Bearer {token}"}
    (listed,) = client.get("/api/collections", headers=auth).json()
    saved = client.get(f"/api/collections/{listed['id']}", headers=auth).json()
    assert saved["numPapers"] == 3
    _same_after_validation(CollectionWithPapersOut, saved)


def test_the_paper_list_routes_document_their_models(client: TestClient) -> None:
    """The handlers return dicts, so the OpenAPI document must still name the models."""
    paths = client.get("/openapi.json").json()["paths"]

    def schema(path: str) -> str:
        return str(paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"])

    assert "DailyPaperOut" in schema("/api/daily_papers")
    assert "PaperOut" in schema("/api/papers/{paper_id}")
    assert "SearchResultOut" in schema("/api/papers/search")
    assert "CollectionWithPapersOut" in schema("/api/collections/{collection_id}")
