"""``SearchEngineDep``: the app's one search engine (made by ``create_app``), for the handlers that search."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dailypapers.search.services import SearchEngine


# Async, so FastAPI resolves it without a thread-pool hand-off (see web/deps.py).
async def get_search_engine(request: Request) -> SearchEngine:
    engine: SearchEngine = request.app.state.search
    return engine


SearchEngineDep = Annotated[SearchEngine, Depends(get_search_engine)]
