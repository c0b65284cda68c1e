"""Test data: the recorded Hugging Face day files, imported through the real import path."""

from __future__ import annotations

from pathlib import Path

from dailypapers.db import Database
from dailypapers.papers.importing import import_daily_items
from dailypapers.papers.services import ImportSummary
from dailypapers.sources.huggingface import DailyItem, read_day_file
from tests.conftest import HF_DAYS


def load_days(db: Database, *paths: Path) -> ImportSummary:
    summary = ImportSummary()
    for path in paths or sorted(HF_DAYS.glob("*.json")):
        summary.count(import_daily_items(db, read_day_file(path)))
    return summary


def import_items(db: Database, items: list[DailyItem]) -> ImportSummary:
    summary = ImportSummary()
    summary.count(import_daily_items(db, items))
    return summary
