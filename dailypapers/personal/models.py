"""Fitted interest models, one per user and embedding model, refitted when the user's signals change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime, utcnow


class InterestModelRow(Base):
    __tablename__ = "interest_models"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200))  # the embedder whose vectors it scores
    # SHA-256 of the signals it was fitted on: the refit job compares it with the current signals.
    signals: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    weights: Mapped[bytes] = mapped_column(LargeBinary)  # float32 (clusters, dim)
    biases: Mapped[bytes] = mapped_column(LargeBinary)  # float32 (clusters,)
    positives: Mapped[int] = mapped_column(Integer)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedKey(Base):
    """The version of a member's personal feed URLs: each URL carries it, signed, so rotating (bumping it)
    kills every URL given out before, and nothing secret is stored (personal/feed_tokens.py)."""

    __tablename__ = "feed_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    rotated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Follow(Base):
    """A member following one thing: an author entity, the confirmed user of an approved claim (so every
    author entity they claimed, whatever the spelling), or an arXiv category or archive. Exactly one is set."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("follower_id", "author_id"),
        UniqueConstraint("follower_id", "user_id"),
        UniqueConstraint("follower_id", "category"),
        CheckConstraint(
            "(CASE WHEN author_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN category IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SavedSearch(Base):
    """A search a member saved as an alert: new papers that match it go to their digest and its feed."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    q: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))  # search.services.Mode
    filters: Mapped[str] = mapped_column(Text, default="", server_default="")  # papers/filters.py query string
    # Cosine similarity (0..1) a paper needs to the query for semantic and hybrid alerts; the member sees it
    # and changes it on /settings. Keyword alerts need the words instead.
    threshold: Mapped[float] = mapped_column(Float, default=0.45)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
