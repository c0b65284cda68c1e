"""Community over the JSON API: a paper's comments (read by anyone, written with a token) and submissions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Request

from dailypapers.accounts.auth import CurrentUser
from dailypapers.community import comments, submissions
from dailypapers.community.comments import CommentNode
from dailypapers.community.deps import ArxivLookupDep
from dailypapers.community.models import CommentStatus
from dailypapers.community.schemas import CommentAuthorOut, CommentIn, CommentOut, SubmitIn, SubmitOut
from dailypapers.papers.lookup import PaperIdPath, paper_or_404
from dailypapers.web.api_model import ErrorOut
from dailypapers.web.deps import TOKEN_REQUIRED, DatabaseDep, SessionDep, SettingsDep
from dailypapers.web.ratelimit import limit

router = APIRouter(prefix="/api", tags=["community"])
READ_ERRORS: dict[int | str, dict[str, object]] = {404: {"model": ErrorOut}}
WRITE_ERRORS: dict[int | str, dict[str, object]] = {
    **TOKEN_REQUIRED,
    400: {"model": ErrorOut},
    404: {"model": ErrorOut},
    429: {"model": ErrorOut},
}


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
