"""The MCP server over streamable HTTP at /mcp, driven by the official SDK's own client against a live server:
every tool listed and called, results checked against the stored rows, bearer auth, read-only tokens, bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult
from sqlalchemy import func, select, update

from dailypapers.accounts import services as accounts
from dailypapers.community import collections, comments
from dailypapers.community.models import CollectionItem, Dismissal
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.upserts import upsert_papers
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.records import PaperRecord
from dailypapers.votes.models import Vote
from tests.factories import load_corpus, make_user

TOOLS = {
    "daily",
    "trending",
    "new_on_arxiv",
    "search",
    "paper",
    "similar",
    "comments",
    "for_you",
    "my_collections",
    "save",
    "dismiss",
    "upvote",
}
WRITE_TOOLS = {"save", "dismiss", "upvote"}
MAMBA2 = "2405.21060"  # "Transformers are SSMs: ... Structured State Space Duality", on the 2024-06-03 feed


@pytest.fixture
def corpus(db: Database) -> Database:
    load_corpus(db)
    return db


def token(db: Database, username: str, *, read_only: bool = False) -> str:
    with db.write() as session:
        user = accounts.user_by_username(session, username)
        assert user is not None
        return accounts.create_api_token(session, user, "agent", read_only=read_only)


@asynccontextmanager
async def connect(url: str, bearer: str) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer}"}) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
    ):
        yield client


def run(url: str, bearer: str, body: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with connect(url, bearer) as client:
            await body(client)

    anyio.run(main)


async def ok(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    result: CallToolResult = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert text
    return text


def paper_row(db: Database, arxiv_id: str) -> Paper:
    with db.read() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
        _ = paper.author_list  # loaded while the session is open
        return paper


def test_no_token_or_a_bad_one_is_a_401(corpus: Database, live_server: str) -> None:
    make_user(corpus, "ada")
    revoked = token(corpus, "ada")
    with corpus.write() as session:
        user = accounts.user_by_username(session, "ada")
        assert user is not None
        [stored] = accounts.api_tokens(session, user)
        accounts.revoke_api_token(session, user, stored.id)
    hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    for authorization in (None, "Bearer dp_mistyped", f"Bearer {revoked}", "Bearer hf_foreign", "Basic YWRhOng="):
        sent = {**headers, **({"Authorization": authorization} if authorization else {})}
        response = httpx.post(f"{live_server}/mcp", json=hello, headers=sent)
        assert response.status_code == 401, (authorization, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "tools" not in response.text


def test_lists_every_tool_with_a_typed_schema_and_a_description(corpus: Database, live_server: str) -> None:
    make_user(corpus, "ada")

    async def body(client: Client) -> None:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(listed) == TOOLS
        for name, tool in listed.items():
            assert tool.description and len(tool.description) > 40, name
            assert tool.input_schema["type"] == "object"
            assert tool.output_schema is not None and tool.output_schema["type"] == "object", name
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is (name not in WRITE_TOOLS), name
        assert listed["paper"].input_schema["required"] == ["paper_id"]
        search = listed["search"].input_schema["properties"]
        assert search["q"]["maxLength"] == 1000
        assert {"mode", "published_from", "published_until", "category", "author", "has_code"} <= set(search)
        assert search["limit"]["maximum"] == 20
        daily = listed["daily"].input_schema["properties"]
        assert {"date", "week", "month", "q", "submitter", "sort", "page", "limit"} <= set(daily)

    run(live_server, token(corpus, "ada"), body)


def test_listings_search_paper_similar_and_comments_match_the_stored_data(corpus: Database, live_server: str) -> None:
    ada = make_user(corpus, "ada")
    mamba = paper_row(corpus, MAMBA2)
    with corpus.write() as session:
        first = comments.add_comment(session, Settings(), ada, mamba, "Duality with $\\mathbf{SSM}$s.")
        comments.add_comment(session, Settings(), ada, mamba, "A reply.", first.id)
    with corpus.read() as session:
        day_rows = dict(session.execute(select(Paper.arxiv_id, Paper.upvotes).join(DailyEntry)).all())
        by_day = {
            day.isoformat(): set(ids)
            for day, ids in _group(session.execute(select(DailyEntry.day, Paper.arxiv_id).join(Paper)).all()).items()
        }
        trending_order = list(
            session.scalars(
                select(Paper.arxiv_id).join(DailyEntry).order_by(Paper.trending_score.desc(), Paper.id.desc())
            )
        )
        categories = dict(session.execute(select(Paper.arxiv_id, Paper.categories)).all())
        repos = dict(session.execute(select(Paper.arxiv_id, Paper.github_repo)).all())

    async def body(client: Client) -> None:
        day = await ok(client, "daily", date="2025-10-29", limit=100)
        assert day["period"] == "2025-10-29" and day["total"] == len(by_day["2025-10-29"])
        assert {p["id"] for p in day["papers"]} == by_day["2025-10-29"]
        for card in day["papers"]:
            assert card["upvotes"] == day_rows[card["id"]]
            assert card["day"] == "2025-10-29" and card["url"] == f"http://testserver/papers/{card['id']}"
        upvotes = [p["upvotes"] for p in day["papers"] if not p["featured"]]
        assert upvotes == sorted(upvotes, reverse=True)
        latest = await ok(client, "daily")  # no period: the latest day, as the home page
        assert latest["period"] == max(by_day) and {p["id"] for p in latest["papers"]} == by_day[max(by_day)]
        week = await ok(client, "daily", week="2025-W44", limit=100)
        week_ids = by_day["2025-10-29"] | by_day["2025-10-30"] | by_day["2025-10-31"]
        assert week["total"] == len(week_ids) == 63 and {p["id"] for p in week["papers"]} == week_ids
        month = await ok(client, "daily", month="2025-10", sort="trending", limit=10, page=2)
        assert month["page"] == 2 and len(month["papers"]) == 10
        assert [p["id"] for p in month["papers"]] == [i for i in trending_order if i in week_ids][10:20]
        found = await ok(client, "daily", month="2025-10", q="agent", limit=100)
        assert found["papers"] and all("agent" in (p["title"] + p["summary"]).lower() for p in found["papers"])

        top = await ok(client, "trending", limit=5)
        assert [p["id"] for p in top["papers"]] == trending_order[:5] and top["total"] == len(trending_order)

        hits = await ok(client, "search", q="state space duality", mode="keyword")
        assert hits["results"][0]["id"] == MAMBA2 and hits["mode"] == "keyword"
        meaning = await ok(
            client, "search", q="linear recurrent sequence models as an alternative to attention", mode="semantic"
        )
        assert MAMBA2 in [r["id"] for r in meaning["results"]]
        exact = await ok(client, "search", q=f"arXiv:{MAMBA2}v2")
        assert exact["results"][0]["id"] == MAMBA2 and exact["results"][0]["exact_match"] is True
        hep = await ok(client, "search", q="quark production", mode="keyword", category=["hep-ph"])
        assert hep["results"] and all("hep-ph" in categories[r["id"]].split() for r in hep["results"])
        coded = await ok(client, "search", q="model", mode="hybrid", has_code=True, limit=20)
        assert coded["results"] and all(repos[r["id"]] for r in coded["results"])
        dated = await ok(client, "search", q="model", mode="keyword", published_from="2025-10-01", limit=20)
        assert dated["results"] and all(r["published_at"] >= "2025-10-01" for r in dated["results"])
        authored = await ok(client, "search", q="models", mode="keyword", author="tri dao")
        assert [r["id"] for r in authored["results"]] == [MAMBA2]

        detail = await ok(client, "paper", paper_id=f"https://arxiv.org/abs/{MAMBA2}")
        assert detail["id"] == MAMBA2 and detail["title"] == mamba.title and detail["summary"] == mamba.abstract
        assert detail["authors"] == mamba.author_list and detail["categories"] == mamba.category_list
        assert detail["upvotes"] == mamba.upvotes and detail["day"] == "2024-06-03"
        links = {link["label"]: link["url"] for link in detail["links"]}
        assert links["arXiv page"] == f"https://arxiv.org/abs/{MAMBA2}" and links["PDF"].endswith(MAMBA2)
        assert links.get("Code") == mamba.github_repo or mamba.github_repo is None

        near = await ok(client, "similar", paper_id=MAMBA2, limit=5)
        assert 0 < len(near["results"]) <= 5 and MAMBA2 not in [r["id"] for r in near["results"]]
        assert all(r["id"] in categories for r in near["results"])

        thread = await ok(client, "comments", paper_id=MAMBA2)
        assert [(c["body"], c["depth"], c["author"]) for c in thread["comments"]] == [
            ("Duality with $\\mathbf{SSM}$s.", 0, "ada"),
            ("A reply.", 1, "ada"),
        ]
        assert thread["comments"][1]["parent_id"] == thread["comments"][0]["id"]

    run(live_server, token(corpus, "ada", read_only=True), body)


def _group(rows: Any) -> dict[Any, list[str]]:
    grouped: dict[Any, list[str]] = {}
    for key, value in rows:
        grouped.setdefault(key, []).append(value)
    return grouped


def test_new_on_arxiv_is_the_listing_of_the_api(corpus: Database, live_server: str) -> None:
    """The tool and /api/papers/new call one service: same day, same papers, same kinds, same order."""
    make_user(corpus, "ada")
    day, older = dt.date(2025, 10, 30), dt.date(2025, 10, 1)
    at = dt.datetime(2025, 10, 28, 17, 0, tzinfo=dt.UTC)

    def record(arxiv_id: str, categories: tuple[str, ...], upvotes: int, listed_on: dt.date) -> PaperRecord:
        return PaperRecord(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", abstract="An abstract.", authors=("A. B.",),
                           categories=categories, published_at=at, updated_at=at, listed_on=listed_on,
                           upvotes=upvotes)  # fmt: skip

    with corpus.write() as session:
        upsert_papers(
            session,
            [
                record("2510.90001", ("cs.CL",), 3, day),
                record("2510.90002", ("cs.CL",), 8, day),
                record("2510.90003", ("cs.LG", "cs.CL"), 20, day),  # a cross-list into cs.CL
                record("2510.90004", ("math.AG",), 1, day),
                record("2510.90005", ("cs.CL",), 0, older),
            ],
        )
        session.execute(update(Paper).where(Paper.arxiv_id == "2510.90005").values(replaced_on=day))

    async def body(client: Client) -> None:
        for arguments in ({"category": "cs.CL"}, {"category": "cs", "date": "2025-10-30"}, {"category": "math"}):
            # The tool takes the filters' list of categories; the API the same names, repeated.
            listed = await ok(client, "new_on_arxiv", **{**arguments, "category": [arguments["category"]]})
            api = httpx.get(f"{live_server}/api/papers/new", params=arguments).json()
            assert listed["date"] == api["date"] == "2025-10-30" and listed["categories"] == api["categories"]
            assert [(p["id"], p["kind"], p["upvotes"]) for p in listed["papers"]] == [
                (p["id"], p["kind"], p["upvotes"]) for p in api["papers"]
            ]
        cl = await ok(client, "new_on_arxiv", category=["cs.CL"])
        assert [(p["id"], p["kind"]) for p in cl["papers"]] == [
            ("2510.90002", "new"), ("2510.90001", "new"), ("2510.90003", "cross-list"), ("2510.90005", "replacement"),
        ]  # fmt: skip
        assert cl["papers"][0]["url"] == "http://testserver/papers/2510.90002"
        assert cl["papers"][0]["summary"] == "An abstract." and cl["papers"][2]["primary_category"] == "cs.LG"
        empty = await ok(client, "new_on_arxiv", date="2025-10-29", category=["cs"])
        assert empty == {"date": "2025-10-29", "categories": ["cs"], "papers": []}

    run(live_server, token(corpus, "ada"), body)


def test_personal_tools_and_writes_change_the_stored_marks(corpus: Database, live_server: str) -> None:
    ada = make_user(corpus, "ada")
    before = paper_row(corpus, MAMBA2).upvotes

    async def body(client: Client) -> None:
        feed = await ok(client, "for_you", period="week", limit=10)
        assert feed["mode"] == "trending" and feed["period"] == "2025-W44" and len(feed["papers"]) == 10

        saved = await ok(client, "save", paper_id=MAMBA2)
        assert saved["collection_name"] == "Reading list"
        mine = await ok(client, "my_collections")
        assert mine["collections"] == [
            {
                "id": saved["collection_id"],
                "name": "Reading list",
                "papers_count": 1,
                "papers": [{"id": MAMBA2, "title": paper_row(corpus, MAMBA2).title}],
            }
        ]
        assert "no such collection" in (await refused(client, "save", paper_id=MAMBA2, collection_id=999)).lower()

        assert (await ok(client, "dismiss", paper_id="2510.24701"))["dismissed"] is True
        vote = await ok(client, "upvote", paper_id=MAMBA2)
        assert vote == {"paper_id": MAMBA2, "upvoted": True, "upvotes": before + 1, "changed": True}
        again = await ok(client, "upvote", paper_id=MAMBA2)
        assert again["changed"] is False and again["upvotes"] == before + 1

    run(live_server, token(corpus, "ada"), body)
    with corpus.read() as session:
        assert session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == MAMBA2)) == before + 1
        assert session.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == ada.id)) == 1
        assert session.scalar(select(func.count()).select_from(Dismissal).where(Dismissal.user_id == ada.id)) == 1
        [summary] = collections.collections_of(session, ada)
        assert summary.papers == 1

    async def withdraw(client: Client) -> None:
        assert (await ok(client, "upvote", paper_id=MAMBA2, upvoted=False))["upvotes"] == before
        assert (await ok(client, "dismiss", paper_id="2510.24701", undo=True))["dismissed"] is False

    run(live_server, token(corpus, "ada"), withdraw)
    with corpus.read() as session:
        assert session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == MAMBA2)) == before
        assert session.scalar(select(func.count()).select_from(Dismissal)) == 0


def test_a_read_only_token_reads_but_cannot_write(corpus: Database, live_server: str) -> None:
    make_user(corpus, "ada")
    before = paper_row(corpus, MAMBA2).upvotes

    async def body(client: Client) -> None:
        assert (await ok(client, "paper", paper_id=MAMBA2))["id"] == MAMBA2
        assert (await ok(client, "my_collections"))["collections"] == []
        assert (await ok(client, "for_you"))["papers"]
        for tool in WRITE_TOOLS:
            assert "read-only" in await refused(client, tool, paper_id=MAMBA2)

    run(live_server, token(corpus, "ada", read_only=True), body)
    with corpus.read() as session:
        assert session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == MAMBA2)) == before
        for table in (Vote, Dismissal, CollectionItem):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_bad_arguments_are_tool_errors_and_the_server_carries_on(corpus: Database, live_server: str) -> None:
    make_user(corpus, "ada")

    async def body(client: Client) -> None:
        assert "not a valid date" in await refused(client, "daily", date="2025-13-45")
        assert "not an ISO week" in await refused(client, "daily", week="2025-44")
        assert "at most one" in await refused(client, "daily", date="2025-10-29", week="2025-W44")
        await refused(client, "daily", limit=0)
        await refused(client, "daily", sort="best")
        await refused(client, "daily", page="two")
        assert "Paper not found" in await refused(client, "paper", paper_id="2501.99999")
        assert "Paper not found" in await refused(client, "comments", paper_id="not an id")
        await refused(client, "paper")
        await refused(client, "paper", paper_id="")
        await refused(client, "search", q="")
        assert "no words" in await refused(client, "search", q="*")
        await refused(client, "search", q="x" * 1001)
        await refused(client, "search", q="model", mode="fuzzy")
        await refused(client, "search", q="model", category=["cs.AI"] * 11)
        assert "not a date" in await refused(client, "search", q="model", published_from="yesterday")
        await refused(client, "similar", paper_id=MAMBA2, limit=500)
        await refused(client, "upvote", paper_id=MAMBA2, upvoted="maybe")
        await refused(client, "save", paper_id=MAMBA2, collection_id=-1)
        assert "not a date" in await refused(client, "new_on_arxiv", date="tomorrow")
        assert "not an arXiv category" in await refused(client, "new_on_arxiv", category=["CS!"])
        assert (await ok(client, "paper", paper_id=MAMBA2))["id"] == MAMBA2  # still answering

    run(live_server, token(corpus, "ada"), body)
