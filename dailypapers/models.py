"""Imports every model module so ``Base.metadata`` is complete (for Alembic and tests)."""

from dailypapers.accounts.models import User
from dailypapers.db import Base
from dailypapers.papers.models import Author, DailyEntry, Paper, PaperAuthor

__all__ = ["Author", "Base", "DailyEntry", "Paper", "PaperAuthor", "User"]
