"""Comment forms: write, reply, edit, delete one's own; curators hide. Each answers with a redirect to the
comment (or the form again with the reason when refused)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import CurrentUser
from dailypapers.community import comments
from dailypapers.community.models import Comment
from dailypapers.papers.lookup import paper_or_404
from dailypapers.papers.models import Paper
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SettingsDep
from dailypapers.web.forms import see_other
from dailypapers.web.params import IdPath, OptionalIdForm
from dailypapers.web.ratelimit import limit

router = APIRouter(include_in_schema=False)

# Form bodies are capped well above DAILYPAPERS_COMMENT_MAX_CHARS so the service gives the readable refusal.
Body = Annotated[str, Form(max_length=200_000)]


def _refused(message: str) -> HTTPException:
    return HTTPException(400, message)


def _paper_path(session_paper: Paper, comment_id: int | None = None) -> str:
    anchor = f"#comment-{comment_id}" if comment_id else "#comments"
    return f"/papers/{session_paper.arxiv_id}{anchor}"


@router.post("/papers/{arxiv_id:path}/comments", dependencies=[CsrfChecked])
def add(
    request: Request,
    arxiv_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
    user: CurrentUser,
    body: Body,
    parent_id: OptionalIdForm = None,
) -> Response:
    limit(request, "comment", str(user.id))
    try:
        with db.write() as session:
            paper = paper_or_404(session, arxiv_id)
            comment = comments.add_comment(session, settings, user, paper, body, parent_id)
    except comments.CommentRefused as exc:
        raise _refused(str(exc)) from exc
    return see_other(_paper_path(paper, comment.id))


def _paper_of(db: DatabaseDep, comment: Comment) -> Paper:
    with db.read() as session:
        paper = session.get(Paper, comment.paper_id)
    if paper is None:
        raise HTTPException(404, "This comment's paper is gone.")
    return paper


@router.post("/comments/{comment_id}/edit", dependencies=[CsrfChecked])
def edit(comment_id: IdPath, db: DatabaseDep, settings: SettingsDep, user: CurrentUser, body: Body) -> Response:
    try:
        with db.write() as session:
            comment = comments.edit_comment(session, settings, user, comment_id, body)
    except comments.CommentRefused as exc:
        raise _refused(str(exc)) from exc
    return see_other(_paper_path(_paper_of(db, comment), comment.id))


@router.post("/comments/{comment_id}/delete", dependencies=[CsrfChecked])
def delete(comment_id: IdPath, db: DatabaseDep, user: CurrentUser) -> Response:
    try:
        with db.write() as session:
            comment = comments.delete_comment(session, user, comment_id)
    except comments.CommentRefused as exc:
        raise _refused(str(exc)) from exc
    return see_other(_paper_path(_paper_of(db, comment)))


@router.post("/comments/{comment_id}/hide", dependencies=[CsrfChecked])
def hide(comment_id: IdPath, db: DatabaseDep, user: CurrentUser, hidden: Annotated[bool, Form()] = True) -> Response:
    try:
        with db.write() as session:
            comment = comments.set_hidden(session, user, comment_id, hidden)
    except comments.CommentRefused as exc:
        raise _refused(str(exc)) from exc
    return see_other(_paper_path(_paper_of(db, comment), comment.id))
