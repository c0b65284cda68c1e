"""The MCP server (issue #15 item 6): the site's papers, search and the member's own feed, collections and marks
as tools for an agent, over streamable HTTP at ``/mcp`` (bearer API token) and stdio (``dailypapers mcp``).

A delivery feature: it imports features and base domains and calls the same service functions as the pages and
the JSON API (no query of its own); nothing imports it but the entry points (app.py, cli/mcp_cmd.py).
"""
