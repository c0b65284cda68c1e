"""What every tool call needs: the site's database, settings and search engine, and who is calling.

The server's lifespan yields one ``McpState``; a tool reads it from its ``Context``. Who is calling is resolved
per call, so a token revoked in Settings stops working on the next call, on either transport:
- over HTTP the SDK's bearer middleware has verified the token (``ApiTokenVerifier``) for this very request;
- over stdio the process acts with ``DAILYPAPERS_MCP_TOKEN`` (looked up again each call) or ``--user``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import HTTPException
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from sqlalchemy.orm import Session

from dailypapers.accounts import services
from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Database, database_fault
from dailypapers.papers.lookup import paper_or_404
from dailypapers.papers.models import Paper
from dailypapers.search.services import SearchEngine

READ_SCOPE = "read"
WRITE_SCOPE = "write"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    can_write: bool


Resolver = Callable[["Context[McpState, Any]"], Principal]


@dataclass(frozen=True)
class McpState:
    db: Database
    settings: Settings
    search: SearchEngine
    principal: Resolver


ToolContext = Context[McpState, Any]


def state_of(ctx: ToolContext) -> McpState:
    """The server's state, once the caller is known: every tool starts here, so a revoked token stops even the
    public tools (over HTTP the middleware has refused it already; over stdio this is where it stops)."""
    state: McpState = ctx.request_context.lifespan_context
    state.principal(ctx)
    return state


def token_principal(db: Database, raw_token: str) -> Principal | None:
    """The owner of a personal API token and whether it may write; None for a token that is not (or no longer)
    valid."""
    with db.read() as session:
        token = services.api_token_for(session, raw_token.strip())
        return Principal(token.user_id, not token.read_only) if token is not None else None


class ApiTokenVerifier:
    """The SDK's ``TokenVerifier`` over our personal API tokens: the bearer middleware of ``/mcp`` calls it for
    each request, and a token it does not know is a 401 before any MCP message is read."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def verify_token(self, token: str) -> AccessToken | None:
        principal = await anyio.to_thread.run_sync(token_principal, self.db, token)
        if principal is None:
            return None
        scopes = [READ_SCOPE, WRITE_SCOPE] if principal.can_write else [READ_SCOPE]
        # client_id is what the SDK compares to keep one caller's session away from another.
        subject = str(principal.user_id)
        return AccessToken(token=token, client_id=f"user:{subject}", scopes=scopes, subject=subject)


def http_principal(ctx: ToolContext) -> Principal:
    """The caller of an HTTP request: the user the bearer middleware put on the request's scope."""
    request = ctx.request_context.request
    user = request.scope.get("user") if request is not None else None
    if not isinstance(user, AuthenticatedUser) or user.access_token.subject is None:
        raise ToolError("This call carries no valid API token.")
    return Principal(int(user.access_token.subject), WRITE_SCOPE in user.access_token.scopes)


def stdio_token_resolver(db: Database, raw_token: str) -> Resolver:
    def resolve(_ctx: ToolContext) -> Principal:
        principal = token_principal(db, raw_token)
        if principal is None:
            raise ToolError("DAILYPAPERS_MCP_TOKEN is not a valid API token (revoked or mistyped).")
        return principal

    return resolve


def stdio_user_resolver(user_id: int, can_write: bool) -> Resolver:
    principal = Principal(user_id, can_write)
    return lambda _ctx: principal


def caller(ctx: ToolContext, session: Session) -> User:
    state: McpState = ctx.request_context.lifespan_context
    user = session.get(User, state.principal(ctx).user_id)
    if user is None:
        raise ToolError("The account this token belongs to no longer exists.")
    return user


def writer(ctx: ToolContext, session: Session) -> User:
    """The caller, when they may change things; a read-only token gets a tool error saying so."""
    state: McpState = ctx.request_context.lifespan_context
    if not state.principal(ctx).can_write:
        raise ToolError(
            "This token is read-only: it can read papers, search and your feed, but not save, dismiss or upvote. "
            "Create a token that can write in Settings."
        )
    return caller(ctx, session)


def find_paper(session: Session, arxiv_id: str) -> Paper:
    try:
        return paper_or_404(session, arxiv_id)
    except HTTPException as exc:  # the one lookup every handler uses; its message names what was wrong
        raise ToolError(str(exc.detail)) from exc


@contextmanager
def refusals(*expected: type[Exception]) -> Iterator[None]:
    """Turns what the caller can fix (``expected``: a bad period, query or collection) and a database that is
    busy or down into tool errors with their message; anything else stays a crash (logged, a generic error)."""
    try:
        yield
    except ToolError:
        raise
    except expected as exc:
        raise ToolError(str(exc)) from exc
    except Exception as exc:
        fault = database_fault(exc)
        if fault is None:
            raise
        raise ToolError(f"The database is {fault} at the moment; try again in a few seconds.") from exc
