"""Our rows in huggingface.co's JSON shapes: papers, feed entries, search hits and comment threads.

Plain dicts with the wire's keys, not pydantic models (see web/api_model.py for why); each function names the
model in ``api/schemas.py`` that documents its shape, and tests/functional/test_api_shapes.py validates real
answers against those models."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from dailypapers.accounts.models import User
from dailypapers.api.extras import PaperExtras
from dailypapers.community.comments import CommentNode
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.rows import AnyEntry, AnyPaper, SubmitterRow
from dailypapers.web.api_model import without_none

# HF's author status for a verified claim; the only one we have (a pending claim is not shown).
CLAIMED = "claimed_verified"
# A JSON object in the wire's shape (camelCase keys, absent values left out), for web/api_model.ApiJson.
JsonObject = dict[str, Any]
_WORD = re.compile(r"\w+", re.UNICODE)


def submitter_out(user: User | SubmitterRow | None) -> JsonObject | None:
    if user is None:
        return None
    return without_none(
        {
            "_id": str(user.id),
            "name": user.username,
            "user": user.username,
            "fullname": user.fullname or user.username,
            "avatarUrl": user.avatar_url,
            "type": "user",
        }
    )


def _authors(paper: AnyPaper, extras: PaperExtras) -> list[JsonObject]:
    out = []
    for byline in extras.authors.get(paper.id, []):
        claim = extras.claims.get((paper.id, byline.author_id))
        author: JsonObject = {"_id": str(byline.author_id), "name": byline.name, "hidden": False}
        if claim:
            author["user"] = submitter_out(claim.user)
            author["status"] = CLAIMED
            if claim.decided_at is not None:
                author["statusLastChangedAt"] = claim.decided_at
        out.append(author)
    return out


def organization(entry: AnyEntry | None) -> dict[str, object] | None:
    org = (entry.extra or {}).get("organization") if entry is not None else None
    return org if isinstance(org, dict) else None


def paper_out(paper: AnyPaper, entry: AnyEntry | None, extras: PaperExtras | None = None) -> JsonObject:
    """A paper as ``PaperOut`` describes it (huggingface.co's fields, then ours)."""
    extras = extras or PaperExtras()
    return without_none(
        {
            "id": paper.arxiv_id,
            "authors": _authors(paper, extras),
            "publishedAt": paper.published_at,
            "submittedOnDailyAt": (
                dt.datetime.combine(entry.day, dt.time(), tzinfo=dt.UTC) if entry is not None else None
            ),
            "submittedOnDailyBy": submitter_out(entry.submitted_by) if entry is not None else None,
            "title": paper.title,
            "summary": paper.abstract,
            "upvotes": paper.upvotes,
            "githubRepo": paper.github_repo,
            "githubStars": paper.github_stars,
            "projectPage": paper.project_page,
            "ai_summary": paper.ai_summary,
            "ai_keywords": paper.ai_keywords,
            # The thread is the paper's own: its id is the paper's, stable across re-imports of its metadata.
            "discussionId": str(paper.id),
            "numComments": extras.comments.get(paper.id, 0),
            "organization": organization(entry),
            "version": paper.version,
            "updatedAt": paper.updated_at,
            "categories": paper.category_list or None,
            "comment": paper.comment,
            "journalRef": paper.journal_ref,
            "doi": paper.doi,
            "sourceUpvotes": paper.source_upvotes,
            "localUpvotes": paper.upvotes - paper.source_upvotes,
        }
    )


def _beside_paper(paper: AnyPaper) -> JsonObject:
    """What a wrapper repeats from its paper at the top level (``HfApi`` reads these there only)."""
    return {
        "githubRepo": paper.github_repo,
        "githubStars": paper.github_stars,
        "projectPage": paper.project_page,
        "ai_summary": paper.ai_summary,
        "ai_keywords": paper.ai_keywords,
    }


def daily_paper_out(entry: AnyEntry, paper: AnyPaper, extras: PaperExtras | None = None) -> JsonObject:
    """A feed entry as ``DailyPaperOut`` describes it: the paper nested, the entry's fields beside it."""
    extras = extras or PaperExtras()
    extra = entry.extra or {}
    return without_none(
        {
            "paper": paper_out(paper, entry, extras),
            "publishedAt": entry.submitted_at,
            "title": paper.title,
            "summary": paper.abstract,
            "thumbnail": extra.get("thumbnail"),
            "mediaUrls": extra.get("mediaUrls"),
            "numComments": extras.comments.get(paper.id, 0),
            "submittedBy": submitter_out(entry.submitted_by),
            "organization": organization(entry),
            "isAuthorParticipating": _author_participating(paper, extras),
            **_beside_paper(paper),
            "origin": entry.origin,
        }
    )


def _author_participating(paper: AnyPaper, extras: PaperExtras) -> bool:
    return bool(extras.claimed_users(paper.id) & extras.commenters.get(paper.id, set()))


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
) -> JsonObject:
    """A search hit as ``SearchResultOut`` describes it."""
    extra = (entry.extra or {}) if entry is not None else {}
    return without_none(
        {
            "id": paper.arxiv_id,
            "paper": paper_out(paper, entry, extras),
            "publishedAt": entry.submitted_at if entry is not None else None,
            "title": paper.title,
            "summary": paper.abstract,
            "highlightedTitle": highlight(paper.title, terms),
            "highlightedSummary": highlight(paper.abstract, terms),
            "thumbnail": extra.get("thumbnail"),
            "mediaUrls": extra.get("mediaUrls"),
            "numComments": extras.comments.get(paper.id, 0),
            "submittedBy": submitter_out(entry.submitted_by) if entry is not None else None,
            "organization": organization(entry),
            "isAuthorParticipating": _author_participating(paper, extras),
            **_beside_paper(paper),
        }
    )


def comment_event(node: CommentNode) -> JsonObject:
    """A comment as ``CommentEventHf`` describes it (huggingface.co's discussion event), replies nested."""
    c = node.comment
    shown = c.is_visible
    event: JsonObject = {"id": str(c.id), "type": "comment", "createdAt": c.created_at}
    if shown:
        event["author"] = without_none(
            {
                "_id": str(c.user.id),
                "name": c.user.username,
                "fullname": c.user.display_name,
                "avatarUrl": c.user.avatar_url,
                "type": "user",
                "isPaperAuthor": node.by_author,
            }
        )
    event["data"] = {
        "edited": c.edited_at is not None,
        "hidden": not shown,
        "latest": {
            "raw": c.body if shown else "",
            "html": c.body_html if shown else "",
            "updatedAt": c.edited_at or c.created_at,
        },
        "numEdits": 1 if c.edited_at is not None else 0,
        "editors": [c.user.username] if shown else [],
        "reactions": [],
        "isReport": False,
    }
    event["replies"] = [comment_event(child) for child in node.children]
    return event
