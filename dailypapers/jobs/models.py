"""Leases for singleton jobs on SQLite (PostgreSQL uses advisory locks instead) and claims on batched work
(both databases)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime


class JobLease(Base):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WorkClaim(Base):
    """One item of batched work (a paper to embed, …) claimed by one worker until ``expires_at``."""

    __tablename__ = "work_claims"

    kind: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. "embed:minilm-l6-v2"
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
