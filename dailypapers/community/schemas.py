"""JSON shapes of the community API (comments, submissions), camelCase on the wire like every API shape."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from dailypapers.web.api_model import ApiModel
from dailypapers.web.params import Id


class CommentAuthorOut(ApiModel):
    user: str
    fullname: str
    is_paper_author: bool = Field(alias="isPaperAuthor")


class CommentOut(ApiModel):
    id: str
    parent_id: str | None = Field(alias="parentId")
    author: CommentAuthorOut | None
    body: str | None = Field(description="Markdown as written; null when deleted or hidden.")
    html: str | None = Field(description="Sanitised HTML rendering of the body; math left as \\(…\\) for KaTeX.")
    created_at: dt.datetime = Field(alias="createdAt")
    edited_at: dt.datetime | None = Field(alias="editedAt")
    status: str = Field(description="visible, deleted or hidden")


class CommentIn(ApiModel):
    body: str = Field(max_length=200_000)
    parent_id: Id | None = Field(default=None, alias="parentId", description="The comment this one replies to.")


class SubmitIn(ApiModel):
    """``arxivId`` (ours) or ``paper_id`` (huggingface.co's name for it): one of the two."""

    arxiv_id: str | None = Field(default=None, alias="arxivId", max_length=500, description="An arXiv id or URL.")
    paper_id: str | None = Field(default=None, max_length=500, description="The same, by huggingface.co's name.")

    @model_validator(mode="after")
    def _one_id(self) -> SubmitIn:
        if not (self.arxiv_id or self.paper_id):
            raise ValueError("give the paper as arxivId or paper_id")
        if self.arxiv_id and self.paper_id and self.arxiv_id != self.paper_id:
            raise ValueError("arxivId and paper_id name different papers; give one")
        return self

    @property
    def paper(self) -> str:
        return self.arxiv_id or self.paper_id or ""


class SubmitOut(ApiModel):
    paper_id: str = Field(alias="paperId")
    outcome: str = Field(description="submitted, upvoted (it was on the feed already) or already_upvoted")
    message: str
