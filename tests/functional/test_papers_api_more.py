"""The papers API beyond huggingface.co's listing: cursor paging, similar papers, the comment thread in HF's
shape, Markdown by Accept header (and the page cache keeping the two apart), and collections by bearer token."""

from __future__ import annotations

import base64
import json
import threading

import pytest
from fastapi.testclient import TestClient
from huggingface_hub.community import DiscussionComment, deserialize_event
from sqlalchemy import event, func, select

from dailypapers.accounts.models import Role
from dailypapers.app import create_app
from dailypapers.community import claims, comments
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import Paper
from tests.factories import api_token, load_days, log_in, make_user


@pytest.fixture
def loaded(db: Database) -> Database:
    load_days(db)
    return db


def _first_paper(db: Database) -> str:
    with db.read() as session:
        return session.scalars(select(Paper.arxiv_id).order_by(Paper.id)).first() or ""


def test_cursor_pages_walk_every_paper_once_newest_first(loaded: Database, client: TestClient) -> None:
    seen: list[dict[str, object]] = []
    url: str | None = "/api/papers?limit=7"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        seen.extend(response.json())
        link = response.headers.get("link")
        url = link[1 : link.index(">")] if link else None
        pages += 1
    with loaded.read() as session:
        total = session.scalar(select(func.count()).select_from(Paper))
        expected = list(
            session.scalars(select(Paper.arxiv_id).order_by(Paper.published_at.desc().nulls_last(), Paper.id.desc()))
        )
    assert [p["id"] for p in seen] == expected and len(seen) == total
    assert pages == -(-len(expected) // 7)


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "!" * 50,
        _cursor([]),
        _cursor({"a": 1}),
        _cursor(["2024", 1]),  # no time zone
        _cursor(["2024-05-31T00:00:00+00:00", 10**30]),  # past SQL INTEGER
        _cursor([None, -1]),
        _cursor([None, True]),
        _cursor(["yesterday", 5]),
    ],
)
def test_a_bad_cursor_is_a_400(loaded: Database, client: TestClient, cursor: str) -> None:
    response = client.get("/api/papers", params={"cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()["error"]


def test_similar_papers(loaded: Database, client: TestClient) -> None:
    arxiv_id = _first_paper(loaded)
    response = client.get(f"/api/papers/{arxiv_id}/similar", params={"limit": 5})
    assert response.status_code == 200
    ids = [p["id"] for p in response.json()]
    assert 0 < len(ids) <= 5 and arxiv_id not in ids and len(set(ids)) == len(ids)
    assert client.get("/api/papers/2501.99999/similar").status_code == 404
    assert client.get(f"/api/papers/{arxiv_id}/similar", params={"limit": 51}).status_code == 422


def test_comments_field_in_hfs_discussion_shape(loaded: Database, settings: Settings, client: TestClient) -> None:
    arxiv_id = _first_paper(loaded)
    ada, grace, curie = (
        make_user(loaded, "ada"),
        make_user(loaded, "grace"),
        make_user(loaded, "curie", role=Role.curator),
    )
    with loaded.write() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
        claims.decide(session, curie, claims.file_claim(session, ada, paper, 0).id, approve=True)
        first = comments.add_comment(session, settings, grace, paper, "Why $x^2$?")
        reply = comments.add_comment(session, settings, ada, paper, "Because.", first.id)
        comments.delete_comment(session, grace, first.id)
    body = client.get(f"/api/papers/{arxiv_id}", params={"field": "comments"}).json()
    assert body["numComments"] == 1 and body["discussionId"]
    (root,) = body["comments"]
    removed = deserialize_event(root)
    assert isinstance(removed, DiscussionComment) and removed.hidden and removed.content == ""
    assert removed.author == "deleted"  # HF's own name for a comment without its writer
    (child,) = root["replies"]
    answer = deserialize_event(child)
    assert isinstance(answer, DiscussionComment) and answer.content == "Because." and answer.author == "ada"
    assert child["id"] == str(reply.id) and child["author"]["isPaperAuthor"] is True
    assert "<p>Because.</p>" in child["data"]["latest"]["html"]
    assert "comments" not in client.get(f"/api/papers/{arxiv_id}").json()
    assert client.get(f"/api/papers/{arxiv_id}", params={"field": "nope"}).status_code == 422


def test_markdown_by_accept_header_and_the_page_cache(loaded: Database, settings: Settings) -> None:
    arxiv_id = _first_paper(loaded)
    app = create_app(settings.model_copy(update={"page_cache_seconds": 600}), loaded)
    with TestClient(app) as client:
        page = client.get(f"/papers/{arxiv_id}")  # now in the page cache as HTML
        assert page.headers["content-type"].startswith("text/html")
        md = client.get(f"/papers/{arxiv_id}", headers={"Accept": "text/markdown"})
        assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
        assert md.text == client.get(f"/papers/{arxiv_id}.md").text and md.text.startswith("# ")
        hits = app.state.page_cache.hits
        again = client.get(f"/papers/{arxiv_id}")  # served from the cache, and still the HTML page
        assert again.headers["content-type"].startswith("text/html") and app.state.page_cache.hits == hits + 1
        md_again = client.get(f"/papers/{arxiv_id}", headers={"Accept": "text/markdown"})
        assert md_again.headers["content-type"].startswith("text/markdown")
        browser = client.get(f"/papers/{arxiv_id}", headers={"Accept": "text/html,text/markdown;q=0.9"})
        assert browser.headers["content-type"].startswith("text/html")
        assert client.get("/papers/2501.99999.md").status_code == 404


def test_cards_show_the_comment_count(loaded: Database, settings: Settings, client: TestClient) -> None:
    arxiv_id = _first_paper(loaded)
    grace = make_user(loaded, "grace")
    with loaded.write() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
        for text in ("one", "two", "three"):
            comments.add_comment(session, settings, grace, paper, text)
        day = paper.entry.day if paper.entry else None
    assert day is not None
    listing = client.get(f"/papers/date/{day.isoformat()}").text
    assert f'href="/papers/{arxiv_id}#comments">3 comments</a>' in listing
    api = client.get("/api/daily_papers", params={"date": day.isoformat()}).json()
    counts = {item["paper"]["id"]: item["numComments"] for item in api}
    assert counts[arxiv_id] == 3 and set(counts.values()) == {0, 3}


def test_collections_through_the_api(loaded: Database, client: TestClient) -> None:
    arxiv_id = _first_paper(loaded)
    ada, grace = make_user(loaded, "ada"), make_user(loaded, "grace")
    mine = {"Authorization": f"Bearer {api_token(loaded, ada)}"}
    theirs = {"Authorization": f"Bearer {api_token(loaded, grace)}"}
    assert client.get("/api/collections").status_code == 401
    assert client.post("/api/collections", json={"name": "x"}).status_code == 401
    created = client.post("/api/collections", json={"name": " Bandits "}, headers=mine)
    assert created.status_code == 201 and created.json()["name"] == "Bandits" and created.json()["numPapers"] == 0
    cid = created.json()["id"]
    assert client.post("/api/collections", json={"name": "Bandits"}, headers=mine).status_code == 400
    assert client.post("/api/collections", json={"name": "  "}, headers=mine).status_code == 400
    add = client.post(f"/api/collections/{cid}/papers", json={"paperId": f"arXiv:{arxiv_id}v1"}, headers=mine)
    assert add.status_code == 204
    assert client.post(f"/api/collections/{cid}/papers", json={"paperId": arxiv_id}, headers=mine).status_code == 204
    read = client.get(f"/api/collections/{cid}", headers=mine).json()
    assert [p["id"] for p in read["papers"]] == [arxiv_id] and read["numPapers"] == 1
    assert [c["numPapers"] for c in client.get("/api/collections", headers=mine).json()] == [1]
    # Another member's collection is not found, whatever they try.
    assert client.get(f"/api/collections/{cid}", headers=theirs).status_code == 404
    assert client.post(f"/api/collections/{cid}/papers", json={"paperId": arxiv_id}, headers=theirs).status_code == 404
    assert client.delete(f"/api/collections/{cid}/papers/{arxiv_id}", headers=theirs).status_code == 404
    assert client.get(f"/api/collections/{cid}/export", headers=theirs).status_code == 404
    assert (
        client.post(f"/api/collections/{cid}/papers", json={"paperId": "2501.99999"}, headers=mine).status_code == 404
    )
    bib = client.get(f"/api/collections/{cid}/export", params={"format": "bibtex"}, headers=mine)
    assert bib.status_code == 200 and f"eprint = {{{arxiv_id}}}" in bib.text
    assert 'filename="Bandits.bib"' in bib.headers["content-disposition"]
    assert client.delete(f"/api/collections/{cid}/papers/{arxiv_id}", headers=mine).status_code == 204
    assert client.get(f"/api/collections/{cid}", headers=mine).json()["papers"] == []
    assert client.get("/api/collections/0", headers=mine).status_code == 422


def test_a_session_cookie_does_not_work_the_collections_api(loaded: Database, client: TestClient) -> None:
    """The API answers bearer tokens only, so a page elsewhere cannot ride a logged-in browser's cookie."""
    make_user(loaded, "ada")
    log_in(client, "ada")
    assert client.post("/api/collections", json={"name": "forged"}).status_code == 401
    assert client.get("/api/collections").status_code == 401


def _statements(db: Database, client: TestClient, url: str) -> tuple[int, list[dict[str, object]]]:
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        # The app's background threads (vector refresher, scheduler) share the engine: not the request's.
        if not threading.current_thread().name.startswith("dailypapers-"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        body = client.get(url, headers={"Authorization": "Bearer hf_ignored"}).json()  # past the page cache
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen), body


def test_counts_and_claims_cost_the_same_queries_for_any_page(
    loaded: Database, settings: Settings, client: TestClient
) -> None:
    """No query per paper: a page where every paper has comments and a claimed author costs what a bare one does."""
    day = "2025-10-29"
    url = f"/api/daily_papers?date={day}&limit=100"
    bare, body = _statements(loaded, client, url)
    ada, curie = make_user(loaded, "ada"), make_user(loaded, "curie", role=Role.curator)
    with loaded.write() as session:
        for item in body:
            paper = session.scalars(select(Paper).where(Paper.arxiv_id == item["paper"]["id"])).one()  # type: ignore[index]
            claims.decide(session, curie, claims.file_claim(session, ada, paper, 0).id, approve=True)
            comments.add_comment(session, settings, ada, paper, "noted")
    busy, body = _statements(loaded, client, url)
    assert busy == bare and len(body) > 10
    assert all(item["numComments"] == 1 and item["isAuthorParticipating"] for item in body)
    assert all(item["paper"]["authors"][0]["user"]["user"] == "ada" for item in body)  # type: ignore[index]
