"""JSON shapes of the Hugging Face papers API (camelCase, the wrapper object with a nested ``paper``).

Field names follow huggingface.co so that its clients (``huggingface_hub.HfApi``) work unchanged; fields
HF does not have are our additions and clients ignore them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from dailypapers.web.api_model import ApiModel


class SubmitterOut(ApiModel):
    id: str = Field(alias="_id")
    name: str = Field(description="Username of the submitter.")
    user: str = Field(description="Username again (huggingface.co sends both `name` and `user`).")
    fullname: str
    avatar_url: str | None = Field(default=None, alias="avatarUrl")
    type: str = "user"


class AuthorOut(ApiModel):
    id: str = Field(alias="_id", description="Our author id (a string, as HF's ids are).")
    name: str
    hidden: bool = False
    user: SubmitterOut | None = Field(default=None, description="The member whose authorship claim was approved.")
    status: str | None = Field(default=None, description="`claimed_verified` when a curator approved a claim.")
    status_last_changed_at: dt.datetime | None = Field(default=None, alias="statusLastChangedAt")


class PaperOut(ApiModel):
    id: str = Field(description="arXiv id without version, e.g. 2401.12345 or hep-th/9901001.")
    authors: list[AuthorOut]
    published_at: dt.datetime | None = Field(default=None, alias="publishedAt", description="arXiv v1 date.")
    submitted_on_daily_at: dt.datetime | None = Field(default=None, alias="submittedOnDailyAt")
    submitted_on_daily_by: SubmitterOut | None = Field(default=None, alias="submittedOnDailyBy")
    title: str
    summary: str = Field(description="The abstract.")
    upvotes: int = Field(description="The total: the source's count (Hugging Face) plus the votes cast here.")
    github_repo: str | None = Field(default=None, alias="githubRepo")
    github_stars: int | None = Field(default=None, alias="githubStars")
    project_page: str | None = Field(default=None, alias="projectPage")
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    discussion_id: str = Field(
        alias="discussionId", description="The paper's comment thread: GET /api/papers/{id}?field=comments."
    )
    num_comments: int = Field(default=0, alias="numComments", description="Visible comments on our site.")
    organization: dict[str, Any] | None = Field(default=None, description="The lab, where the source names one.")
    # Our additions.
    version: int | None = Field(default=None, description="Latest arXiv version we know.")
    updated_at: dt.datetime | None = Field(default=None, alias="updatedAt", description="Latest version date.")
    categories: list[str] | None = None
    comment: str | None = None
    journal_ref: str | None = Field(default=None, alias="journalRef")
    doi: str | None = None
    source_upvotes: int | None = Field(
        default=None, alias="sourceUpvotes", description="Of `upvotes`, the part Hugging Face reports."
    )
    local_upvotes: int | None = Field(
        default=None, alias="localUpvotes", description="Of `upvotes`, the votes cast on this site."
    )


class DailyPaperOut(ApiModel):
    paper: PaperOut
    published_at: dt.datetime = Field(alias="publishedAt", description="When the paper was put on the feed.")
    title: str
    summary: str
    thumbnail: str | None = None
    media_urls: list[str] | None = Field(default=None, alias="mediaUrls")
    num_comments: int = Field(default=0, alias="numComments")
    submitted_by: SubmitterOut | None = Field(default=None, alias="submittedBy")
    organization: dict[str, Any] | None = None
    is_author_participating: bool = Field(default=False, alias="isAuthorParticipating")
    # Our additions beside the nested paper: ``HfApi`` reads these from the top level only (PaperInfo), so a
    # wrapper without them gives clients None for what the paper has.
    github_repo: str | None = Field(default=None, alias="githubRepo")
    github_stars: int | None = Field(default=None, alias="githubStars")
    project_page: str | None = Field(default=None, alias="projectPage")
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    # Our addition.
    origin: str | None = Field(
        default=None, description="How the paper got on the feed: hf, submitted, curated or community."
    )


class SearchResultOut(ApiModel):
    """One search hit in huggingface.co's shape: the paper nested, the feed's fields beside it."""

    id: str = Field(description="The paper's arXiv id again (our addition, for clients that read it flat).")
    paper: PaperOut
    published_at: dt.datetime | None = Field(
        default=None, alias="publishedAt", description="When the paper was put on the feed; absent when it is not."
    )
    title: str
    summary: str
    highlighted_title: str | None = Field(
        default=None, alias="highlightedTitle", description="The title, HTML-escaped, query words in <mark>."
    )
    highlighted_summary: str | None = Field(
        default=None, alias="highlightedSummary", description="The abstract, HTML-escaped, query words in <mark>."
    )
    thumbnail: str | None = None
    media_urls: list[str] | None = Field(default=None, alias="mediaUrls")
    num_comments: int = Field(default=0, alias="numComments")
    submitted_by: SubmitterOut | None = Field(default=None, alias="submittedBy")
    organization: dict[str, Any] | None = None
    is_author_participating: bool = Field(default=False, alias="isAuthorParticipating")
    # Our additions beside the nested paper: ``HfApi`` reads these from the top level only (PaperInfo), so a
    # wrapper without them gives clients None for what the paper has.
    github_repo: str | None = Field(default=None, alias="githubRepo")
    github_stars: int | None = Field(default=None, alias="githubStars")
    project_page: str | None = Field(default=None, alias="projectPage")
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None


class CommentAuthorHf(ApiModel):
    id: str = Field(alias="_id")
    name: str = Field(description="Username.")
    fullname: str
    avatar_url: str | None = Field(default=None, alias="avatarUrl")
    type: str = "user"
    is_paper_author: bool = Field(alias="isPaperAuthor", description="An approved author of this paper.")


class CommentLatestHf(ApiModel):
    raw: str = Field(description="Markdown as written; empty when the comment was deleted or hidden.")
    html: str = Field(description="Sanitised HTML; math left as \\\\(…\\\\) for KaTeX.")
    updated_at: dt.datetime = Field(alias="updatedAt")


class CommentDataHf(ApiModel):
    edited: bool
    hidden: bool = Field(description="Deleted by its writer or hidden by a curator.")
    latest: CommentLatestHf
    num_edits: int = Field(alias="numEdits")
    editors: list[str]
    reactions: list[dict[str, Any]] = Field(default_factory=list)
    is_report: bool = Field(default=False, alias="isReport")


class CommentEventHf(ApiModel):
    """A comment as a huggingface.co discussion event (``huggingface_hub.community.deserialize_event`` reads it)."""

    id: str
    type: str = "comment"
    created_at: dt.datetime = Field(alias="createdAt")
    author: CommentAuthorHf | None = Field(default=None, description="Absent when the comment was removed.")
    data: CommentDataHf
    replies: list[CommentEventHf] = Field(default_factory=list)


class PaperWithCommentsOut(PaperOut):
    comments: list[CommentEventHf] = Field(description="Top-level comments in order, replies nested in each.")
