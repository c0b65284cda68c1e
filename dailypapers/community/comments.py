"""Comments: markdown with math, threaded replies, edits and deletions by their writers, hiding by curators.

The HTML is rendered and sanitised once, when a comment is written (community/markdown.py), and stored beside
the source; pages never render markdown per view.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.claims import claimed_user_ids
from dailypapers.community.markdown import render_markdown
from dailypapers.community.models import Comment
from dailypapers.config import Settings
from dailypapers.db import utcnow
from dailypapers.errors import Refused
from dailypapers.papers.models import Paper
from dailypapers.text import strip_invisible

# Replies deeper than this are shown at this depth (still in order), so threads stay readable on a phone.
MAX_DISPLAY_DEPTH = 6


class CommentRefused(ValueError, Refused):
    """A refusal whose message is safe to show to the commenter."""


def _clean_body(settings: Settings, body: str) -> str:
    body = strip_invisible(body).strip()
    if not body:
        raise CommentRefused("Write something first: the comment is empty.")
    if len(body) > settings.comment_max_chars:
        raise CommentRefused(
            f"Comments can be at most {settings.comment_max_chars:,} characters; this one has {len(body):,}."
        )
    return body


def add_comment(
    session: Session, settings: Settings, user: User, paper: Paper, body: str, parent_id: int | None = None
) -> Comment:
    body = _clean_body(settings, body)
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.paper_id != paper.id:
            raise CommentRefused("The comment you are replying to is not on this paper.")
        if not parent.is_visible:
            raise CommentRefused("The comment you are replying to has been removed.")
    comment = Comment(
        paper_id=paper.id, user_id=user.id, parent_id=parent_id, body=body, body_html=render_markdown(body)
    )
    session.add(comment)
    session.flush()
    return comment


def _own_comment(session: Session, user: User, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise CommentRefused("This comment does not exist or has been deleted.")
    if comment.user_id != user.id:
        raise PermissionError("You can only change your own comments.")
    return comment


def edit_comment(session: Session, settings: Settings, user: User, comment_id: int, body: str) -> Comment:
    comment = _own_comment(session, user, comment_id)
    comment.body = _clean_body(settings, body)
    comment.body_html = render_markdown(comment.body)
    comment.edited_at = utcnow()
    return comment


def delete_comment(session: Session, user: User, comment_id: int) -> Comment:
    """Delete one's own comment: the text goes; the row stays as "[deleted]" so replies keep their place."""
    comment = _own_comment(session, user, comment_id)
    comment.deleted_at = utcnow()
    comment.body = ""
    comment.body_html = ""
    return comment


def set_hidden(session: Session, curator: User, comment_id: int, hidden: bool) -> Comment:
    if not curator.is_curator:
        raise PermissionError("Only curators can hide comments.")
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise CommentRefused("No such comment.")
    comment.hidden_at = utcnow() if hidden else None
    comment.hidden_by_id = curator.id if hidden else None
    return comment


@dataclass
class CommentNode:
    comment: Comment
    depth: int
    by_author: bool  # the writer has an approved authorship claim on this paper
    children: list[CommentNode] = field(default_factory=list)


def comments_of(session: Session, paper: Paper) -> list[Comment]:
    query = select(Comment).where(Comment.paper_id == paper.id).order_by(Comment.created_at, Comment.id)
    return list(session.scalars(query))


def thread(session: Session, paper: Paper, *, include_hidden: bool = False) -> list[CommentNode]:
    """The comment tree in order; removed comments stay only as placeholders for their replies (curators,
    with ``include_hidden``, see hidden ones)."""
    authors = claimed_user_ids(session, paper.id)
    nodes: dict[int, CommentNode] = {}
    roots: list[CommentNode] = []
    for comment in comments_of(session, paper):
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        depth = min(parent.depth + 1, MAX_DISPLAY_DEPTH) if parent else 0
        node = CommentNode(comment, depth, comment.user_id in authors)
        nodes[comment.id] = node
        (parent.children if parent else roots).append(node)
    return _prune(roots, include_hidden)


def _prune(nodes: list[CommentNode], include_hidden: bool) -> list[CommentNode]:
    kept = []
    for node in nodes:
        node.children = _prune(node.children, include_hidden)
        shown = node.comment.is_visible or (include_hidden and node.comment.deleted_at is None)
        if shown or node.children:
            kept.append(node)
    return kept


def flatten(nodes: list[CommentNode]) -> list[CommentNode]:
    out: list[CommentNode] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out
