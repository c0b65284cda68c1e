"""The MCP server: one ``MCPServer`` with the site's tools, and the ``/mcp`` endpoint that serves it over
streamable HTTP behind the SDK's bearer-token middleware.

HTTP is served **stateless** with JSON responses: every POST is answered on its own, so any process of
``dailypapers serve --workers N`` (or any machine behind a load balancer) can answer any call, with no session
to pin; the tools only answer, they never stream or ask the client anything back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import ToolAnnotations
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from dailypapers import __version__
from dailypapers.mcp import personal_tools, tools
from dailypapers.mcp.state import ApiTokenVerifier, McpState

MCP_PATH = "/mcp"
INSTRUCTIONS = (
    "Research papers from this site's daily feed (Hugging Face Daily Papers style) and everything it has "
    "imported from arXiv. Papers are named by arXiv id. Use daily/trending to see what is on the feed, "
    "new_on_arxiv for what arXiv announced on a day, search to find papers by topic, paper for the abstract "
    "and links, similar and comments to go further; for_you and "
    "my_collections are the caller's own feed and reading lists; save, dismiss and upvote change the caller's "
    "marks (a read-only token cannot call them)."
)
READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
TOOLS = (
    (tools.daily, READ),
    (tools.trending, READ),
    (tools.new_on_arxiv, READ),
    (tools.search, READ),
    (tools.paper, READ),
    (tools.similar, READ),
    (tools.comments, READ),
    (personal_tools.for_you, READ),
    (personal_tools.my_collections, READ),
    (personal_tools.save, WRITE),
    (personal_tools.dismiss, WRITE),
    (personal_tools.upvote, WRITE),
)


def build_server(state: McpState) -> MCPServer[McpState]:
    """The server whose tools act on ``state`` (the caller owns the database and search engine)."""

    @asynccontextmanager
    async def lifespan(_server: MCPServer[McpState]) -> AsyncIterator[McpState]:
        yield state

    server: MCPServer[McpState] = MCPServer(
        "dailypapers",
        title=state.settings.site_name,
        instructions=INSTRUCTIONS,
        website_url=state.settings.base_url,
        version=__version__,
        lifespan=lifespan,
        log_level="WARNING",
    )
    for function, hints in TOOLS:
        server.add_tool(function, annotations=hints)
    return server


class McpEndpoint:
    """``/mcp``: the SDK's bearer middleware (401 without a valid personal API token, the caller on the
    request's scope for the tools), then its streamable-HTTP session manager. ``run()`` belongs in the web app's
    lifespan; a session manager runs once, so each run (a test client opens the app many times) makes its own."""

    def __init__(self, state: McpState) -> None:
        self.server = build_server(state)
        self.manager: StreamableHTTPSessionManager | None = None
        protected: ASGIApp = RequireAuthMiddleware(self._handle, required_scopes=[])
        self.app: ASGIApp = AuthenticationMiddleware(
            AuthContextMiddleware(protected), backend=BearerAuthBackend(ApiTokenVerifier(state.db))
        )

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        # The SDK's own streamable-HTTP app is built only for the session manager it makes (the public way to
        # get one); its Starlette routing is not used, the site's router sends /mcp here.
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            json_response=True,
            stateless_http=True,
            # DNS-rebinding protection guards servers that trust whoever reaches them; this one trusts only a
            # bearer token, which a rebinding page cannot read or make a browser send, and it answers on the
            # site's public host names, which a fixed allow-list here would have to repeat.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.manager is None:  # between the app's lifespans: nothing is serving MCP
            response = JSONResponse({"error": "The MCP server is not running."}, status_code=503)
            await response(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def mount(app: Any, state: McpState) -> McpEndpoint:
    """Serve ``/mcp`` from ``app`` (a FastAPI app); the app's lifespan must enter ``endpoint.run()``. A plain
    Starlette route: the site's app-wide dependencies (the visitor's cookie lookup) do not run for it."""
    endpoint = McpEndpoint(state)
    app.add_route(MCP_PATH, endpoint, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    return endpoint
