"""Harvest checkpoints (where a long harvest is, committed with each page's records) and enrichment state."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime, utcnow


class HarvestStatus(StrEnum):
    running = "running"  # more pages to fetch from resumption_token
    done = "done"


class HarvestCheckpoint(Base):
    """One resumable harvest (or a scheduled job's state), keyed by its parameters."""

    __tablename__ = "harvest_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The OAI-PMH token for the next page; None before the first page and after the last.
    resumption_token: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=HarvestStatus.running.value)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PaperEnrichment(Base):
    """What the ``enrich`` job has done for one paper, so each step runs once per paper per interval.

    Each step writes its columns in the transaction that stores what it found, so a killed worker leaves either
    both or neither, and the next run picks up exactly what is left.
    """

    __tablename__ = "paper_enrichments"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    # Links were read from this version's text (a new version is read again).
    links_version: Mapped[int | None] = mapped_column(Integer)
    links_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Every code link found (GitHub, GitLab, Codeberg, Hugging Face), first mention first.
    code_links: Mapped[list[str] | None] = mapped_column(JSON)
    # The repository the ETag belongs to; a changed papers.github_repo is fetched afresh.
    github_repo: Mapped[str | None] = mapped_column(Text)
    github_etag: Mapped[str | None] = mapped_column(String(200))
    github_status: Mapped[str | None] = mapped_column(String(16))  # ok | moved | gone
    github_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    hf_status: Mapped[str | None] = mapped_column(String(16))  # found | absent
    hf_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    llm_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
