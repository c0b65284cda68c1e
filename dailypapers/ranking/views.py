"""``/about/trending``, the page that states the formula (the trending listing itself is pages/listings.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dailypapers.ranking import hotness
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/about/trending")
def about(request: Request) -> Response:
    return render(request, "ranking/about.html", {"h": hotness})
