"""Community over the JSON API: a paper's comments (read by anyone, written with a token) and submissions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dailypapers.accounts.auth import CurrentUser
from dailypapers.community import comments, submissions
from dailypapers.community.comments import CommentNode
from dailypapers.community.deps import ArxivLookupDep
from dailypapers.community.models import CommentStatus
from dailypapers.papers.lookup import PaperIdPath, paper_or_404
from dailypapers.web.api_model import ErrorOut
from dailypapers.web.deps import TOKEN_REQUIRED, DatabaseDep, SessionDep, SettingsDep
from dailypapers.web.params import Id
from dailypapers.web.ratelimit import limit

router = APIRouter(prefix="/api", tags=["community"])
READ_ERRORS: dict[int | str, dict[str, object]] = {404: {"model": ErrorOut}}
WRITE_ERRORS: dict[int | str, dict[str, object]] = {
    **TOKEN_REQUIRED,
    400: {"model": ErrorOut},
    404: {"model": ErrorOut},
    429: {"model": ErrorOut},
}


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class CommentAuthorOut(_Out):
    user: str
    fullname: str
    is_paper_author: bool = Field(serialization_alias="isPaperAuthor")


class CommentOut(_Out):
    id: str
    parent_id: str | None = Field(serialization_alias="parentId")
    author: CommentAuthorOut | None
    body: str | None = Field(description="Markdown as written; null when deleted or hidden.")
    html: str | None = Field(description="Sanitised HTML rendering of the body; math left as \\(…\\) for KaTeX.")
    created_at: dt.datetime = Field(serialization_alias="createdAt")
    edited_at: dt.datetime | None = Field(serialization_alias="editedAt")
    status: str = Field(description="visible, deleted or hidden")


class CommentIn(BaseModel):
    body: str = Field(max_length=200_000)
    parent_id: Id | None = Field(default=None, alias="parentId", description="The comment this one replies to.")


class SubmitIn(BaseModel):
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


class SubmitOut(_Out):
    paper_id: str = Field(serialization_alias="paperId")
    outcome: str = Field(description="submitted, upvoted (it was on the feed already) or already_upvoted")
    message: str


def comment_out(node: CommentNode) -> CommentOut:
    c = node.comment
    status = CommentStatus.deleted if c.deleted_at else CommentStatus.hidden if c.hidden_at else CommentStatus.visible
    shown = status is CommentStatus.visible
    return CommentOut(
        id=str(c.id),
        parent_id=str(c.parent_id) if c.parent_id is not None else None,
        author=CommentAuthorOut(user=c.user.username, fullname=c.user.display_name, is_paper_author=node.by_author)
        if shown
        else None,
        body=c.body if shown else None,
        html=c.body_html if shown else None,
        created_at=c.created_at,
        edited_at=c.edited_at,
        status=status,
    )


@router.get("/papers/{paper_id:path}/comments", responses=READ_ERRORS)
def list_comments(paper_id: PaperIdPath, session: SessionDep) -> list[CommentOut]:
    """The paper's comments in thread order (a reply follows its parent); removed comments appear only as
    placeholders for their replies."""
    paper = paper_or_404(session, paper_id)
    return [comment_out(node) for node in comments.flatten(comments.thread(session, paper))]


@router.post("/papers/{paper_id:path}/comments", status_code=201, responses=WRITE_ERRORS)
def post_comment(
    request: Request,
    paper_id: PaperIdPath,
    db: DatabaseDep,
    settings: SettingsDep,
    user: CurrentUser,
    payload: Annotated[CommentIn, Body()],
) -> CommentOut:
    """Comment on the paper (markdown, ``$…$`` math) or reply with ``parentId``."""
    limit(request, "comment", str(user.id))
    with db.write() as session:
        paper = paper_or_404(session, paper_id)
        comment = comments.add_comment(session, settings, user, paper, payload.body, payload.parent_id)
        session.refresh(comment, ["user"])
    return comment_out(CommentNode(comment, 0, False))


@router.post("/papers/submit", responses={**WRITE_ERRORS, 502: {"model": ErrorOut}})
def submit(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    user: CurrentUser,
    lookup: ArxivLookupDep,
    payload: SubmitIn,
) -> SubmitOut:
    """Put a paper on today's feed (fetched from arXiv when new), or upvote it when it is there already."""
    limit(request, "submit", str(user.id))
    try:
        result = submissions.submit_by_id(db, lookup, settings, user, payload.paper)
    except submissions.SourceUnavailable as exc:
        raise HTTPException(502, str(exc)) from exc
    return SubmitOut(paper_id=result.paper.arxiv_id, outcome=result.outcome.value, message=result.message)
