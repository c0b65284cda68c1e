"""Imports every model module so ``Base.metadata`` is complete (for Alembic and tests)."""

from dailypapers.accounts.models import User
from dailypapers.db import Base
from dailypapers.jobs.models import JobLease
from dailypapers.papers.models import Author, DailyEntry, Paper, PaperAuthor
from dailypapers.search.models import PaperVector
from dailypapers.sources.models import HarvestCheckpoint

__all__ = [
    "Author",
    "Base",
    "DailyEntry",
    "HarvestCheckpoint",
    "JobLease",
    "Paper",
    "PaperAuthor",
    "PaperVector",
    "User",
]
