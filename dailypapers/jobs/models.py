"""Leases for singleton jobs on SQLite (PostgreSQL uses advisory locks instead), each job's last run, and
claims on batched work (both databases)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime


class JobLease(Base):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class JobRun(Base):
    """Each job's last run and last success, written by the scheduler after every run (``dailypapers doctor``)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_status: Mapped[str] = mapped_column(String(16))  # ran | failed
    last_report: Mapped[str] = mapped_column(Text, default="")
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    runs: Mapped[int] = mapped_column(Integer, default=0)


class WorkClaim(Base):
    """One item of batched work (a paper to embed, …) claimed by one worker until ``expires_at``."""

    __tablename__ = "work_claims"

    kind: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. "embed:minilm-l6-v2"
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
