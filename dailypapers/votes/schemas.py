"""JSON shapes of the votes API."""

from __future__ import annotations

from pydantic import Field

from dailypapers.web.api_model import ApiModel


class VoteOut(ApiModel):
    paper_id: str = Field(alias="paperId")
    upvoted: bool
    upvotes: int
