"""Comments, authorship claims and collections through HTTP: every flow and every refusal."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.accounts.models import Role
from dailypapers.app import create_app
from dailypapers.community.models import AuthorClaim, CollectionItem, Comment, Dismissal
from dailypapers.config import Settings
from dailypapers.db import Database
from tests.factories import api_token, form_token, load_days, log_in, make_user

PAPER = "2405.21060"  # Transformers are SSMs (Tri Dao, Albert Gu)


@pytest.fixture
def loaded(db: Database) -> Database:
    load_days(db)
    make_user(db, "ada", fullname="Ada Lovelace")
    make_user(db, "grace")
    make_user(db, "curie", role=Role.curator)
    return db


def member(app: FastAPI, username: str) -> TestClient:
    client = TestClient(app)
    log_in(client, username)
    return client


def comment(client: TestClient, body: str, parent_id: int | None = None, paper: str = PAPER) -> tuple[int, str]:
    data = {"body": body, "csrf_token": form_token(client, f"/papers/{paper}")}
    if parent_id is not None:
        data["parent_id"] = str(parent_id)
    response = client.post(f"/papers/{paper}/comments", data=data, follow_redirects=False)
    return response.status_code, response.headers.get("location") or response.text


def comment_id(location: str) -> int:
    match = re.search(r"#comment-(\d+)$", location)
    assert match, location
    return int(match.group(1))


def test_comment_reply_edit_delete(app: FastAPI, loaded: Database) -> None:
    ada, grace = member(app, "ada"), member(app, "grace")
    status, where = comment(ada, "Key idea: $A = QK^\\top$ is **semiseparable**.")
    assert status == 303
    first = comment_id(where)
    status, where = comment(grace, "Does it hold for $n > 10^6$?", parent_id=first)
    reply = comment_id(where)
    page = ada.get(f"/papers/{PAPER}").text
    assert "<strong>semiseparable</strong>" in page and '<span class="math">\\(A = QK^\\top\\)</span>' in page
    assert page.index(f'id="comment-{first}"') < page.index(f'id="comment-{reply}"')
    assert "2 comments" in page and "depth-1" in page
    # Only the writer edits or deletes.
    token = form_token(grace, f"/papers/{PAPER}")
    assert grace.post(f"/comments/{first}/edit", data={"body": "mine now", "csrf_token": token}).status_code == 403
    assert grace.post(f"/comments/{first}/delete", data={"csrf_token": token}).status_code == 403
    token = form_token(ada, f"/papers/{PAPER}")
    ada.post(f"/comments/{first}/edit", data={"body": "Key idea, *edited*.", "csrf_token": token})
    assert "<em>edited</em>" in ada.get(f"/papers/{PAPER}").text and "(edited)" in ada.get(f"/papers/{PAPER}").text
    ada.post(f"/comments/{first}/delete", data={"csrf_token": token})
    page = ada.get(f"/papers/{PAPER}").text
    assert "[deleted]" in page and "Key idea" not in page and f'id="comment-{reply}"' in page  # the reply stays
    assert comment(grace, "too late", parent_id=first)[0] == 400
    with loaded.read() as session:
        deleted = session.get(Comment, first)
        assert deleted is not None and deleted.body == "" and deleted.deleted_at is not None


def test_comment_refusals(app: FastAPI, loaded: Database) -> None:
    ada = member(app, "ada")
    status, text = comment(ada, "   ")
    assert status == 400 and "the comment is empty" in text
    status, text = comment(ada, "x" * 10_001)
    assert status == 400 and "at most 10,000 characters" in text
    status, text = comment(ada, "reply to nothing", parent_id=999_999)
    assert status == 400 and "not on this paper" in text
    status, where = comment(ada, "on another paper", paper="2405.21075")
    status, text = comment(ada, "cross-paper reply", parent_id=comment_id(where))
    assert status == 400 and "not on this paper" in text
    anonymous = TestClient(app)
    assert "Log in</a> to comment" in anonymous.get(f"/papers/{PAPER}").text


def test_curators_hide_comments(app: FastAPI, loaded: Database) -> None:
    ada, curie = member(app, "ada"), member(app, "curie")
    first = comment_id(comment(ada, "spam spam spam")[1])
    token = form_token(ada, f"/papers/{PAPER}")
    assert ada.post(f"/comments/{first}/hide", data={"csrf_token": token}).status_code == 403
    curie.post(f"/comments/{first}/hide", data={"csrf_token": form_token(curie, f"/papers/{PAPER}"), "hidden": "1"})
    assert "spam spam" not in ada.get(f"/papers/{PAPER}").text
    assert "spam spam" in curie.get(f"/papers/{PAPER}").text  # curators still see it, marked hidden
    assert TestClient(app).get(f"/api/papers/{PAPER}/comments").json() == []


def test_comments_api(app: FastAPI, loaded: Database, client: TestClient) -> None:
    token = api_token(loaded, make_user(loaded, "bot"))
    headers = {"Authorization": f"Bearer {token}"}
    posted = client.post(f"/api/papers/{PAPER}/comments", json={"body": "Via the API: $x^2$"}, headers=headers)
    assert posted.status_code == 201
    first = posted.json()
    assert first["author"] == {"user": "bot", "fullname": "bot", "isPaperAuthor": False}
    reply = client.post(
        f"/api/papers/{PAPER}/comments", json={"body": "reply", "parentId": int(first["id"])}, headers=headers
    )
    listed = client.get(f"/api/papers/{PAPER}v1/comments").json()
    assert [c["id"] for c in listed] == [first["id"], reply.json()["id"]]
    assert listed[0]["body"] == "Via the API: $x^2$" and '<span class="math">' in listed[0]["html"]
    assert listed[1]["parentId"] == first["id"] and listed[0]["status"] == "visible"
    assert client.post(f"/api/papers/{PAPER}/comments", json={"body": "anon"}).status_code == 401
    empty = client.post(f"/api/papers/{PAPER}/comments", json={"body": ""}, headers=headers)
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    assert client.get("/api/papers/2999.99999/comments").status_code == 404


def test_authorship_claims(app: FastAPI, loaded: Database) -> None:
    ada, curie = member(app, "ada"), member(app, "curie")
    token = form_token(ada, f"/papers/{PAPER}")
    assert (
        ada.post(
            f"/papers/{PAPER}/claim", data={"position": "0", "csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    again = ada.post(f"/papers/{PAPER}/claim", data={"position": "0", "csrf_token": token})
    assert again.status_code == 400 and "claimed this author already" in again.text
    assert ada.post(f"/papers/{PAPER}/claim", data={"position": "99", "csrf_token": token}).status_code == 400
    with loaded.read() as session:
        claim = session.scalars(select(AuthorClaim)).one()
    assert ada.post(f"/claims/{claim.id}/approve", data={"csrf_token": token}).status_code == 403
    queue = curie.get("/curate").text
    assert "Tri Dao" in queue and "Ada Lovelace" in queue
    curie_token = form_token(curie, "/curate")
    curie.post(f"/claims/{claim.id}/deny", data={"csrf_token": curie_token})
    assert "denied" in ada.get("/users/ada").text
    # A denied claim can be filed again, and approved.
    assert ada.post(f"/papers/{PAPER}/claim", data={"position": "0", "csrf_token": token}).status_code == 200
    curie.post(f"/claims/{claim.id}/approve", data={"csrf_token": curie_token})
    profile = TestClient(app).get("/users/ada").text
    assert "Author of" in profile and f"/papers/{PAPER}" in profile.split("Author of", 1)[1].split("Submitted", 1)[0]
    author_page = TestClient(app).get(f"/authors/{claim.author_id}").text
    assert "Tri Dao" in author_page and "/users/ada" in author_page and f"/papers/{PAPER}" in author_page
    comment(ada, "As an author: thanks for reading!")
    assert "author-badge" in TestClient(app).get(f"/papers/{PAPER}").text
    assert TestClient(app).get(f"/api/papers/{PAPER}/comments").json()[0]["author"]["isPaperAuthor"] is True


def test_collections_and_dismissals(app: FastAPI, loaded: Database) -> None:
    ada, grace = member(app, "ada"), member(app, "grace")
    token = form_token(ada, f"/papers/{PAPER}")
    ada.post(f"/papers/{PAPER}/save", data={"csrf_token": token})
    listing = ada.get("/collections").text
    assert "Reading list" in listing and "1 paper" in listing
    created = ada.post(
        "/collections", data={"name": "  State   space\u202e models ", "csrf_token": token}, follow_redirects=False
    )
    named = int(created.headers["location"].rsplit("/", 1)[1])
    duplicate = ada.post("/collections", data={"name": "State space models", "csrf_token": token})
    assert duplicate.status_code == 400 and "already" in duplicate.text
    ada.post(f"/papers/{PAPER}/save", data={"csrf_token": token, "collection_id": str(named)})
    ada.post(f"/papers/{PAPER}/save", data={"csrf_token": token, "collection_id": str(named)})  # idempotent
    page = ada.get(f"/collections/{named}").text
    assert "State space models" in page and f"/papers/{PAPER}" in page
    # Private: another member sees "not found", and cannot add to it.
    assert grace.get(f"/collections/{named}").status_code == 404
    grace_token = form_token(grace, f"/papers/{PAPER}")
    assert (
        grace.post(f"/papers/{PAPER}/save", data={"csrf_token": grace_token, "collection_id": str(named)}).status_code
        == 404
    )
    ada.post(f"/collections/{named}/rename", data={"name": "SSMs", "csrf_token": token})
    ada.post(f"/papers/{PAPER}/unsave", data={"csrf_token": token, "collection_id": str(named)})
    assert (
        f"/papers/{PAPER}" not in ada.get(f"/collections/{named}").text
        and "SSMs" in ada.get(f"/collections/{named}").text
    )
    ada.post(f"/papers/{PAPER}/dismiss", data={"csrf_token": token})
    assert "Show me papers like this again" in ada.get(f"/papers/{PAPER}").text
    with loaded.read() as session:
        assert session.scalar(select(Dismissal)) is not None
        assert len(list(session.scalars(select(CollectionItem)))) == 1  # the reading list keeps it
    ada.post(f"/papers/{PAPER}/undismiss", data={"csrf_token": token})
    ada.post(f"/collections/{named}/delete", data={"csrf_token": token})
    assert ada.get(f"/collections/{named}").status_code == 404
    with loaded.read() as session:
        assert session.scalar(select(Dismissal)) is None


def test_comments_are_rate_limited(settings: Settings, loaded: Database) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_comment": "2/minute"}), loaded)
    ada = member(app, "ada")
    assert comment(ada, "one")[0] == comment(ada, "two")[0] == 303
    status, _ = comment(ada, "three")
    assert status == 429
