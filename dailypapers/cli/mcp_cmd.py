"""``dailypapers mcp``: the MCP server over stdin/stdout, for an agent on this machine (Claude Desktop, an IDE)."""

from __future__ import annotations

import typer

from dailypapers.accounts import services
from dailypapers.cli.common import database, fail
from dailypapers.config import Settings
from dailypapers.mcp.server import build_server
from dailypapers.mcp.state import McpState, Resolver, stdio_token_resolver, stdio_user_resolver, token_principal
from dailypapers.search.services import SearchEngine


def mcp(
    user: str | None = typer.Option(
        None, "--user", help="Act as this user (the operator vouches; no token). Read-only unless --allow-writes."
    ),
    allow_writes: bool = typer.Option(
        False, "--allow-writes", help="With --user: the agent may save, dismiss and upvote as that user."
    ),
) -> None:
    """Serve the MCP tools (papers, search, your feed and collections) on stdin/stdout, acting as the owner of
    DAILYPAPERS_MCP_TOKEN (read-only tokens cannot write) or as --user."""
    settings = Settings()
    if user and settings.mcp_token:
        raise fail("give either --user or DAILYPAPERS_MCP_TOKEN, not both")
    if allow_writes and not user:
        raise fail("--allow-writes goes with --user; a token's own access decides otherwise")
    db = database(settings)
    search = None
    try:
        resolver: Resolver
        if user:
            with db.read() as session:
                found = services.user_by_username(session, user)
                if found is None:
                    raise fail(f"there is no user {user}")
                resolver = stdio_user_resolver(found.id, allow_writes)
        elif settings.mcp_token:
            # Checked now so a mistyped token fails at start, and again on each call so revoking it stops the agent.
            if token_principal(db, settings.mcp_token) is None:
                raise fail("DAILYPAPERS_MCP_TOKEN is not a valid API token (revoked or mistyped)")
            resolver = stdio_token_resolver(db, settings.mcp_token)
        else:
            raise fail(
                "say who the agent acts as: set DAILYPAPERS_MCP_TOKEN to a personal API token, or give --user NAME",
                hint="make one in Settings or with `dailypapers users create-token NAME --name agent --read-only`",
            )
        search = SearchEngine(db, settings)
        build_server(McpState(db, settings, search, resolver)).run("stdio")
    finally:
        if search is not None:
            search.close()
        db.dispose()
