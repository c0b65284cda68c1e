"""Our rows in huggingface.co's JSON shapes: papers, feed entries, search hits and comment threads."""

from __future__ import annotations

import datetime as dt
import html
import re

from dailypapers.accounts.models import User
from dailypapers.api.extras import PaperExtras
from dailypapers.api.schemas import (
    AuthorOut,
    CommentAuthorHf,
    CommentDataHf,
    CommentEventHf,
    CommentLatestHf,
    DailyPaperOut,
    PaperOut,
    SearchResultOut,
    SubmitterOut,
)
from dailypapers.community.comments import CommentNode
from dailypapers.papers.models import DailyEntry, Paper

# HF's author status for a verified claim; the only one we have (a pending claim is not shown).
CLAIMED = "claimed_verified"
_WORD = re.compile(r"\w+", re.UNICODE)


def submitter_out(user: User | None) -> SubmitterOut | None:
    if user is None:
        return None
    return SubmitterOut(
        id=str(user.id),
        name=user.username,
        user=user.username,
        fullname=user.fullname or user.username,
        avatar_url=user.avatar_url,
    )


def _authors(paper: Paper, extras: PaperExtras) -> list[AuthorOut]:
    out = []
    for byline in extras.authors.get(paper.id, []):
        claim = extras.claims.get((paper.id, byline.author_id))
        out.append(
            AuthorOut(
                id=str(byline.author_id),
                name=byline.name,
                user=submitter_out(claim.user) if claim else None,
                status=CLAIMED if claim else None,
                status_last_changed_at=claim.decided_at if claim else None,
            )
        )
    return out


def organization(entry: DailyEntry | None) -> dict[str, object] | None:
    org = (entry.extra or {}).get("organization") if entry is not None else None
    return org if isinstance(org, dict) else None


def paper_out(paper: Paper, entry: DailyEntry | None, extras: PaperExtras | None = None) -> PaperOut:
    extras = extras or PaperExtras()
    return PaperOut(
        id=paper.arxiv_id,
        authors=_authors(paper, extras),
        published_at=paper.published_at,
        submitted_on_daily_at=(dt.datetime.combine(entry.day, dt.time(), tzinfo=dt.UTC) if entry is not None else None),
        submitted_on_daily_by=submitter_out(entry.submitted_by) if entry is not None else None,
        title=paper.title,
        summary=paper.abstract,
        upvotes=paper.upvotes,
        github_repo=paper.github_repo,
        github_stars=paper.github_stars,
        project_page=paper.project_page,
        ai_summary=paper.ai_summary,
        ai_keywords=paper.ai_keywords,
        # The thread is the paper's own: its id is the paper's, stable across re-imports of the paper's metadata.
        discussion_id=str(paper.id),
        num_comments=extras.comments.get(paper.id, 0),
        organization=organization(entry),
        version=paper.version,
        updated_at=paper.updated_at,
        categories=paper.category_list or None,
        comment=paper.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        source_upvotes=paper.source_upvotes,
        local_upvotes=paper.upvotes - paper.source_upvotes,
    )


def daily_paper_out(entry: DailyEntry, paper: Paper, extras: PaperExtras | None = None) -> DailyPaperOut:
    extras = extras or PaperExtras()
    extra = entry.extra or {}
    return DailyPaperOut(
        paper=paper_out(paper, entry, extras),
        published_at=entry.submitted_at,
        title=paper.title,
        summary=paper.abstract,
        thumbnail=extra.get("thumbnail"),
        media_urls=extra.get("mediaUrls"),
        num_comments=extras.comments.get(paper.id, 0),
        submitted_by=submitter_out(entry.submitted_by),
        organization=organization(entry),
        origin=entry.origin,
        is_author_participating=bool(extras.claimed_users(paper.id) & extras.commenters.get(paper.id, set())),
        github_repo=paper.github_repo,
        github_stars=paper.github_stars,
        project_page=paper.project_page,
        ai_summary=paper.ai_summary,
        ai_keywords=paper.ai_keywords,
    )


def highlight(text: str, terms: tuple[str, ...]) -> str:
    """``text`` HTML-escaped with each whole word that is a query term wrapped in <mark>."""
    wanted = {t.lower() for t in terms}
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        if match.group().lower() in wanted:
            out.append(html.escape(text[last : match.start()]))
            out.append(f"<mark>{html.escape(match.group())}</mark>")
            last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def search_result_out(
    paper: Paper, entry: DailyEntry | None, extras: PaperExtras, terms: tuple[str, ...]
) -> SearchResultOut:
    extra = (entry.extra or {}) if entry is not None else {}
    return SearchResultOut(
        id=paper.arxiv_id,
        paper=paper_out(paper, entry, extras),
        published_at=entry.submitted_at if entry is not None else None,
        title=paper.title,
        summary=paper.abstract,
        highlighted_title=highlight(paper.title, terms),
        highlighted_summary=highlight(paper.abstract, terms),
        thumbnail=extra.get("thumbnail"),
        media_urls=extra.get("mediaUrls"),
        num_comments=extras.comments.get(paper.id, 0),
        submitted_by=submitter_out(entry.submitted_by) if entry is not None else None,
        organization=organization(entry),
        is_author_participating=bool(extras.claimed_users(paper.id) & extras.commenters.get(paper.id, set())),
        github_repo=paper.github_repo,
        github_stars=paper.github_stars,
        project_page=paper.project_page,
        ai_summary=paper.ai_summary,
        ai_keywords=paper.ai_keywords,
    )


def comment_event(node: CommentNode) -> CommentEventHf:
    c = node.comment
    shown = c.is_visible
    edited_at = c.edited_at or c.created_at
    return CommentEventHf(
        id=str(c.id),
        created_at=c.created_at,
        author=CommentAuthorHf(
            id=str(c.user.id),
            name=c.user.username,
            fullname=c.user.display_name,
            avatar_url=c.user.avatar_url,
            is_paper_author=node.by_author,
        )
        if shown
        else None,
        data=CommentDataHf(
            edited=c.edited_at is not None,
            hidden=not shown,
            latest=CommentLatestHf(
                raw=c.body if shown else "", html=c.body_html if shown else "", updated_at=edited_at
            ),
            num_edits=1 if c.edited_at is not None else 0,
            editors=[c.user.username] if shown else [],
        ),
        replies=[comment_event(child) for child in node.children],
    )
