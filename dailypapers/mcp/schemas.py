"""What the tools return: pydantic models, so each tool publishes an output schema and its result is structured
(``structuredContent``) as well as text. Built from service results here, never from ORM objects by pydantic."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from dailypapers.papers.listings import Card
from dailypapers.search.services import Result


class PaperCard(BaseModel):
    """A paper as a listing shows it."""

    id: str = Field(description="arXiv id, e.g. 2510.12345; pass it to the paper, similar, comments, save tools.")
    title: str
    summary: str = Field(description="The abstract.")
    num_authors: int
    published_at: dt.datetime | None = Field(description="When arXiv published the first version.")
    day: dt.date | None = Field(description="The day the paper is on the daily feed.")
    upvotes: int
    github_repo: str | None
    featured: bool = Field(description="A curator put it at the top of its day.")
    url: str = Field(description="The paper's page on this site.")


class Listing(BaseModel):
    period: str | None = Field(description="The period shown: YYYY-MM-DD, YYYY-Www or YYYY-MM; null for trending.")
    label: str
    total: int = Field(description="Papers in the whole listing (all pages).")
    page: int
    papers: list[PaperCard]


class SearchHit(BaseModel):
    id: str
    title: str
    summary: str
    authors: str = Field(description="Author names, comma-separated.")
    published_at: dt.datetime | None
    categories: list[str]
    upvotes: int
    github_repo: str | None
    score: float = Field(description="Relevance (higher is better; comparable within one search only).")
    exact_match: bool = Field(description="The query is this paper's arXiv id or exact title.")
    url: str


class SearchResults(BaseModel):
    query: str
    mode: str
    total: int = Field(description="Results the ranking holds (at most 500).")
    page: int
    results: list[SearchHit]


class AnnouncedPaper(BaseModel):
    """A paper as arXiv's daily announcement lists it."""

    id: str
    title: str
    summary: str = Field(description="The abstract.")
    kind: str = Field(description="new, cross-list (primary category elsewhere) or replacement (a new version).")
    primary_category: str | None
    categories: list[str]
    published_at: dt.datetime | None
    upvotes: int
    url: str


class NewOnArxiv(BaseModel):
    date: dt.date | None = Field(description="The announcement day; null when nothing was announced yet.")
    categories: list[str] = Field(description="What the listing covers (empty: every category).")
    papers: list[AnnouncedPaper] = Field(description="New submissions, then cross-lists, then replacements.")


class Link(BaseModel):
    label: str
    url: str


class PaperDetail(BaseModel):
    id: str
    title: str
    summary: str = Field(description="The abstract, math as written ($…$).")
    authors: list[str]
    categories: list[str]
    published_at: dt.datetime | None
    updated_at: dt.datetime | None = Field(description="When the latest version was submitted.")
    version: int | None
    upvotes: int
    github_repo: str | None
    github_stars: int | None
    project_page: str | None
    ai_summary: str | None
    comment: str | None = Field(description="The authors' arXiv comment (pages, venue).")
    journal_ref: str | None
    doi: str | None
    day: dt.date | None = Field(description="The day it is on the daily feed; null when it is not on the feed.")
    submitted_by: str | None = Field(description="Username of who put it on the feed.")
    links: list[Link] = Field(description="arXiv page, PDF, code and project page.")
    url: str


class CommentOut(BaseModel):
    id: int
    parent_id: int | None = Field(description="The comment this one replies to.")
    depth: int = Field(description="0 for a top-level comment; replies are one deeper than their parent.")
    author: str | None = Field(description="Username; null when the comment was removed.")
    author_name: str | None
    is_paper_author: bool = Field(description="The writer has an approved authorship claim on the paper.")
    body: str | None = Field(description="Markdown as written; null when deleted or hidden.")
    created_at: dt.datetime
    edited_at: dt.datetime | None
    status: str = Field(description="visible, deleted or hidden")


class Comments(BaseModel):
    paper_id: str
    comments: list[CommentOut] = Field(description="In thread order: each reply follows its parent.")


class Recommendation(BaseModel):
    paper: PaperCard
    score: float | None = Field(description="The personal model's score; null in the categories/trending modes.")
    because_id: str | None = Field(description="arXiv id of the liked paper closest to this one.")
    because_title: str | None


class ForYou(BaseModel):
    mode: str = Field(description="model (learned from your signals), categories (chosen ones) or trending")
    period: str | None = Field(description="The day or week ranked; null while the site has no papers.")
    papers: list[Recommendation]


class CollectionPaper(BaseModel):
    id: str
    title: str


class CollectionOut(BaseModel):
    id: int = Field(description="Pass it as collection_id to the save tool.")
    name: str
    papers_count: int
    papers: list[CollectionPaper] = Field(description="Newest first.")


class Collections(BaseModel):
    collections: list[CollectionOut]


class Saved(BaseModel):
    paper_id: str
    collection_id: int
    collection_name: str


class Dismissed(BaseModel):
    paper_id: str
    dismissed: bool


class Vote(BaseModel):
    paper_id: str
    upvoted: bool
    upvotes: int = Field(description="The paper's count after the change.")
    changed: bool = Field(description="False when the vote already was as asked.")


def paper_url(base_url: str, arxiv_id: str) -> str:
    return f"{base_url}/papers/{arxiv_id}"


def card_out(base_url: str, card: Card) -> PaperCard:
    return PaperCard(
        id=card.arxiv_id,
        title=card.title,
        summary=card.abstract,
        num_authors=card.num_authors,
        published_at=card.published_at,
        day=card.day,
        upvotes=card.upvotes,
        github_repo=card.github_repo,
        featured=card.featured,
        url=paper_url(base_url, card.arxiv_id),
    )


def hit_out(base_url: str, result: Result) -> SearchHit:
    return SearchHit(
        id=result.arxiv_id,
        title=result.title,
        summary=result.abstract,
        authors=result.author_names,
        published_at=result.published_at,
        categories=result.categories.split(),
        upvotes=result.upvotes,
        github_repo=result.github_repo,
        score=result.score,
        exact_match=result.pinned,
        url=paper_url(base_url, result.arxiv_id),
    )
