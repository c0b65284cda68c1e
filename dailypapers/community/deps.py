"""``ArxivLookupDep``: the app's one arXiv API client (made by ``create_app``, so arXiv's politeness interval
holds across requests), for the routes that submit papers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dailypapers.sources.arxiv_api import ArxivApiSource


# Async, so FastAPI resolves it without a thread-pool hand-off (see web/deps.py).
async def get_arxiv_lookup(request: Request) -> ArxivApiSource:
    lookup: ArxivApiSource = request.app.state.arxiv_lookup
    return lookup


ArxivLookupDep = Annotated[ArxivApiSource, Depends(get_arxiv_lookup)]
