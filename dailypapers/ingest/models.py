"""Harvest checkpoints: where a long harvest is, committed with each page's records."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
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
