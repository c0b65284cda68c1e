"""``dailypapers mcp`` (stdio), spawned as a process and driven by the official SDK's stdio client: it acts as
the owner of DAILYPAPERS_MCP_TOKEN (read-only unless the token writes) or as --user, on both databases."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from sqlalchemy import func, select

from dailypapers.accounts import services as accounts
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.votes.models import Vote
from tests.factories import load_days, make_user

MAMBA2 = "2405.21060"
TOOLS = {"daily", "trending", "new_on_arxiv", "search", "paper", "similar", "comments", "for_you", "my_collections"} | {
    "save",
    "dismiss",
    "upvote",
}


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {"DAILYPAPERS_DATA_DIR": str(settings.data_dir), "DAILYPAPERS_BASE_URL": "http://testserver", **extra}
    if settings.database_url:
        env["DAILYPAPERS_DATABASE_URL"] = settings.database_url
    return env


def run(env: dict[str, str], args: list[str], body: Callable[[Client], Awaitable[None]]) -> None:
    server = StdioServerParameters(command=sys.executable, args=["-m", "dailypapers", "mcp", *args], env=env)

    async def main() -> None:
        async with Client(server, read_timeout_seconds=120) as client:
            await body(client)

    anyio.run(main)


async def call(client: Client, tool: str, **arguments: Any) -> tuple[bool, dict[str, Any] | None, str]:
    result = await client.call_tool(tool, arguments)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    return bool(result.is_error), result.structured_content, text


def new_token(db: Database, username: str, *, read_only: bool) -> str:
    with db.write() as session:
        user = accounts.user_by_username(session, username)
        assert user is not None
        return accounts.create_api_token(session, user, "desktop agent", read_only=read_only)


@pytest.fixture
def loaded(db: Database, settings: Settings) -> Database:
    load_days(db)
    make_user(db, "ada")
    return db


def upvotes(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == MAMBA2)) or 0


def test_a_writing_token_lists_and_calls_the_tools(loaded: Database, settings: Settings) -> None:
    before = upvotes(loaded)
    with loaded.read() as session:
        day = set(
            session.scalars(
                select(Paper.arxiv_id)
                .join(DailyEntry)
                .where(DailyEntry.day == select(func.max(DailyEntry.day)).scalar_subquery())
            )
        )
    env = environment(settings, DAILYPAPERS_MCP_TOKEN=new_token(loaded, "ada", read_only=False))

    async def body(client: Client) -> None:
        assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS
        error, latest, _ = await call(client, "daily", limit=100)
        assert not error and latest is not None and {p["id"] for p in latest["papers"]} == day
        error, paper, _ = await call(client, "paper", paper_id=MAMBA2)
        assert not error and paper is not None and paper["day"] == "2024-06-03"
        error, vote, _ = await call(client, "upvote", paper_id=MAMBA2)
        assert not error and vote == {"paper_id": MAMBA2, "upvoted": True, "upvotes": before + 1, "changed": True}
        error, saved, _ = await call(client, "save", paper_id=MAMBA2)
        assert not error and saved is not None and saved["collection_name"] == "Reading list"
        error, _, message = await call(client, "daily", week="2025-44")
        assert error and "not an ISO week" in message

    run(env, [], body)
    assert upvotes(loaded) == before + 1


def test_a_read_only_token_cannot_write_and_a_revoked_one_stops_working(loaded: Database, settings: Settings) -> None:
    raw = new_token(loaded, "ada", read_only=True)
    before = upvotes(loaded)

    async def body(client: Client) -> None:
        error, listing, _ = await call(client, "trending", limit=3)
        assert not error and listing is not None and len(listing["papers"]) == 3
        for tool in ("upvote", "save", "dismiss"):
            error, _, message = await call(client, tool, paper_id=MAMBA2)
            assert error and "read-only" in message
        with loaded.write() as session:
            ada = accounts.user_by_username(session, "ada")
            assert ada is not None
            for stored in accounts.api_tokens(session, ada):
                accounts.revoke_api_token(session, ada, stored.id)
        error, _, message = await call(client, "trending", limit=3)
        assert error and "not a valid API token" in message

    run(environment(settings, DAILYPAPERS_MCP_TOKEN=raw), [], body)
    with loaded.read() as session:
        assert upvotes(loaded) == before and session.scalar(select(func.count()).select_from(Vote)) == 0


def test_user_mode_reads_and_writes_only_when_allowed(loaded: Database, settings: Settings) -> None:
    before = upvotes(loaded)

    async def read_only(client: Client) -> None:
        error, mine, _ = await call(client, "my_collections")
        assert not error and mine == {"collections": []}
        error, _, message = await call(client, "upvote", paper_id=MAMBA2)
        assert error and "read-only" in message

    run(environment(settings), ["--user", "ada"], read_only)
    assert upvotes(loaded) == before

    async def writes(client: Client) -> None:
        error, vote, _ = await call(client, "upvote", paper_id=MAMBA2)
        assert not error and vote is not None and vote["upvotes"] == before + 1

    run(environment(settings), ["--user", "ada", "--allow-writes"], writes)
    assert upvotes(loaded) == before + 1


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        ([], {}, "set DAILYPAPERS_MCP_TOKEN"),
        ([], {"DAILYPAPERS_MCP_TOKEN": "dp_mistyped"}, "not a valid API token"),
        (["--user", "nobody"], {}, "there is no user nobody"),
        (["--allow-writes"], {"DAILYPAPERS_MCP_TOKEN": "dp_x"}, "--allow-writes goes with --user"),
        (["--user", "ada"], {"DAILYPAPERS_MCP_TOKEN": "dp_x"}, "not both"),
    ],
)
def test_who_the_agent_acts_as_must_be_clear(
    loaded: Database, settings: Settings, args: list[str], extra: dict[str, str], message: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dailypapers", "mcp", *args],
        env={**environment(settings, **extra), "PATH": "/usr/bin:/bin"},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert message in done.stderr and done.stdout == ""
