"""The Hugging Face mirror (``hf-daily``): each Hugging Face day's list, synced once the day has closed.

Hugging Face keys its Daily Papers by UTC day, and a day's list only grows until that day ends, so a closed day
(before today, UTC) is complete, while its upvotes keep growing for days. The job keeps, in one state row, when it
last synced each recent day, and derives its work from that and the clock alone:

- a closed day of the last ``DAILYPAPERS_HF_MIRROR_CATCHUP_DAYS`` never synced is due (the newest one just closed,
  older ones were missed while the site was stopped or offline);
- a day among the last ``REFRESH_DAYS`` closed ones is due again once ``REFRESH_INTERVAL`` has passed since its
  last sync, to bring its upvote counts up to date (only the Hugging Face part: local votes stay).

Each day goes through the same mapper and upserts as ``dailypapers import hf`` and ``ingest hf``, so repeats
change nothing, and its state is written right after it is stored: an interrupted run redoes at most one day.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.files import import_daily_items
from dailypapers.ingest.models import HarvestCheckpoint, HarvestStatus
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.jobs.scheduler import Job, JobContext
from dailypapers.sources.http import RETRY_ATTEMPTS, SourceClient, SourceError
from dailypapers.sources.huggingface import HuggingFaceDaily

STATE_KEY = "schedule hf-daily"
CHECK_INTERVAL_SECONDS = 15 * 60
# Hugging Face upvotes of a day keep moving for a few days after it closes; after that a refresh finds nothing new.
REFRESH_DAYS = 3
REFRESH_INTERVAL = dt.timedelta(hours=6)

log = logging.getLogger(__name__)


def last_closed_day(now: dt.datetime) -> dt.date:
    return now.astimezone(dt.UTC).date() - dt.timedelta(days=1)


def due_days(now: dt.datetime, synced: dict[dt.date, dt.datetime], catchup_days: int) -> list[dt.date]:
    """The days to sync now, oldest first (see the module docstring)."""
    last = last_closed_day(now)
    window = [last - dt.timedelta(days=back) for back in reversed(range(catchup_days))]
    refresh_from = last - dt.timedelta(days=REFRESH_DAYS - 1)
    due = []
    for day in window:
        at = synced.get(day)
        if at is None or (day >= refresh_from and now - at >= REFRESH_INTERVAL):
            due.append(day)
    return due


def mirror_client(settings: Settings) -> SourceClient:
    """The mirror's HTTP client: one request per ``DAILYPAPERS_HF_DELAY_SECONDS``."""
    return SourceClient(settings, min_interval_seconds=settings.hf_delay_seconds)


def _load_state(db: Database) -> dict[dt.date, dt.datetime]:
    with db.read() as session:
        state = session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY))
        synced = dict(state.params.get("synced", {})) if state is not None else {}
    return {dt.date.fromisoformat(day): dt.datetime.fromisoformat(at) for day, at in synced.items()}


def _mark_synced(db: Database, day: dt.date, at: dt.datetime, keep_from: dt.date, papers: int) -> None:
    with db.write() as session:
        state = session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY))
        if state is None:
            state = HarvestCheckpoint(key=STATE_KEY, status=HarvestStatus.done.value, pages=0, records=0, params={})
            session.add(state)
        synced = {d: t for d, t in dict(state.params.get("synced", {})).items() if d >= keep_from.isoformat()}
        synced[day.isoformat()] = at.isoformat()
        # A new dict, so the JSON column sees the change; days that left the window are dropped.
        state.params = {"synced": dict(sorted(synced.items()))}
        state.pages += 1
        state.records += papers
        state.last_error = None


def _describe(days: Iterable[dt.date]) -> str:
    days = list(days)
    if len(days) <= 3:
        return ", ".join(map(str, days))
    return f"{days[0]} to {days[-1]} ({len(days)} days)"


def run_hf_daily(ctx: JobContext, now: dt.datetime | None = None) -> str:
    settings = ctx.settings
    if not settings.hf_mirror:
        return "DAILYPAPERS_HF_MIRROR is off: nothing to mirror"
    now = now or ctx.clock()
    due = due_days(now, _load_state(ctx.db), settings.hf_mirror_catchup_days)
    if not due:
        return f"up to date (Hugging Face days to {last_closed_day(now)} synced)"
    keep_from = last_closed_day(now) - dt.timedelta(days=settings.hf_mirror_catchup_days - 1)
    summary = ImportSummary()
    with mirror_client(settings) as client:
        hf = HuggingFaceDaily(settings.hf_url, client)
        for index, day in enumerate(due):
            # The first request gets one attempt: when the network is down that is one clear line in the log
            # (the scheduler's), not a retry line per attempt; the next run is the retry.
            client.attempts = 1 if index == 0 else RETRY_ATTEMPTS
            items = hf.fetch_day(day)
            if items:
                summary.count(import_daily_items(ctx.db, items))
            _mark_synced(ctx.db, day, now, keep_from, len(items))
            ctx.renew()
    return f"synced Hugging Face {_describe(due)}: {summary}"


JOBS = [Job("hf-daily", CHECK_INTERVAL_SECONDS, run_hf_daily, expected_failures=(SourceError,))]
