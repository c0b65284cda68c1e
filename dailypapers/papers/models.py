"""Papers, their ordered authors, and the days they spend on the feed."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dailypapers.accounts.models import User
from dailypapers.db import Base, UTCDateTime, utcnow


def _inserted_upvotes(context: Any) -> int:
    """A paper inserted with a count has no vote rows yet: all of that count is the source's."""
    return int(context.get_current_parameters().get("upvotes") or 0)


class Paper(Base):
    """One arXiv paper, keyed by its arXiv id without version; metadata follows the latest version."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    arxiv_id: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str | None] = mapped_column(Text)
    journal_ref: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(Text)
    # arXiv's own representation: space-separated, primary category first.
    categories: Mapped[str] = mapped_column(Text, default="")
    primary_category: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # first version (v1) submitted
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # latest version submitted
    github_repo: Mapped[str | None] = mapped_column(Text)
    github_stars: Mapped[int | None] = mapped_column(Integer)
    # When github_stars was read from its source: stars over (this - published_at) is the star velocity.
    github_stars_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    project_page: Mapped[str | None] = mapped_column(Text)
    # "A. Author, B. Author": denormalised from paper_authors for the keyword index (kept by ingest/upserts.py).
    author_names: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The arXiv announcement that listed it as new, and the latest that listed it as replaced (harvests only).
    announced_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    replaced_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    ai_summary: Mapped[str | None] = mapped_column(Text)
    ai_keywords: Mapped[list[str] | None] = mapped_column(JSON)
    # The model that wrote ai_summary when this site generated it (an OpenAI-compatible endpoint); None for
    # summaries that came with the paper (Hugging Face's).
    ai_summary_model: Mapped[str | None] = mapped_column(String(200))
    # The total shown everywhere: source_upvotes + this site's vote rows. Stored, not computed, because every
    # listing sorts by it and trending is computed from it; votes move it by +-1 and syncs by the change of
    # source_upvotes, each in one UPDATE, so it stays exact under concurrency.
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    # What the source (Hugging Face) last reported; a sync replaces only this part of the total.
    source_upvotes: Mapped[int] = mapped_column(Integer, default=_inserted_upvotes, server_default=text("0"))
    # ranking.hotness.trending_score(...), kept current by whoever changes its inputs; indexed for sorting.
    trending_score: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    authors: Mapped[list[PaperAuthor]] = relationship(
        back_populates="paper",
        order_by="PaperAuthor.position",
        cascade="all, delete-orphan",
        # Listings only need the count; pages that show names load them explicitly (selectinload).
        lazy="select",
    )
    entry: Mapped[DailyEntry | None] = relationship(back_populates="paper", uselist=False)

    @property
    def category_list(self) -> list[str]:
        return self.categories.split()

    @property
    def author_list(self) -> list[str]:
        return [pa.author.name for pa in self.authors]

    def __repr__(self) -> str:
        return f"<Paper {self.arxiv_id}>"


class Author(Base):
    """An author name as printed on papers. Names are arXiv's identity for authors; claims link users later."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1000), unique=True)


class PaperAuthor(Base):
    __tablename__ = "paper_authors"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="RESTRICT"), index=True)

    paper: Mapped[Paper] = relationship(back_populates="authors")
    author: Mapped[Author] = relationship(lazy="joined", innerjoin=True)


class Origin(StrEnum):
    """How a paper got on the daily feed (shown on its page and card)."""

    hf = "hf"  # mirrored or imported from Hugging Face Daily Papers
    submitted = "submitted"  # a member submitted it
    curated = "curated"  # a curator added it
    community = "community"  # it reached DAILYPAPERS_FEED_COMMUNITY_UPVOTES local upvotes


class DailyEntry(Base):
    """The day a paper is on the daily feed, and who put it there. A paper is on the feed once."""

    __tablename__ = "daily_entries"
    __table_args__ = (
        Index("ix_daily_entries_submitter_day", "submitted_by_id", "day"),
        # The newest-first order of the listings and the API's default (papers/listings.py _ordered).
        Index("ix_daily_entries_submitted", "submitted_at", "paper_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), unique=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(16), default=Origin.hf.value, server_default=Origin.hf.value)
    # Opaque extra data from the source we do not model yet (thumbnail, organisation), kept for the API.
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Curators pin an entry to the top of its day, or take it off every listing (the paper itself stays).
    featured: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    paper: Mapped[Paper] = relationship(back_populates="entry", lazy="joined", innerjoin=True)
    submitted_by: Mapped[User | None] = relationship(lazy="joined")
