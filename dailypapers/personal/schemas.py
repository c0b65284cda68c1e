"""JSON shapes of the "for you" API."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from dailypapers.web.api_model import ApiModel


class PickOut(ApiModel):
    id: str
    title: str
    upvotes: int
    published_at: dt.datetime | None = Field(alias="publishedAt")
    score: float | None
    because: dict[str, str] | None = Field(description="The liked paper closest to this one: id and title.")


class ForYouOut(ApiModel):
    mode: str = Field(description="model (learned from your signals), categories (chosen ones) or trending")
    period: str
    papers: list[PickOut]
