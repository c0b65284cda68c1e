"""The scheduled arXiv harvest: after each announcement, fetch what is new in the configured categories.

arXiv announces new papers at 20:00 US/Eastern, Sunday to Thursday. The job keeps, in its checkpoint row, the
last announcement it has covered; whenever a later announcement has passed it harvests OAI-PMH from the day
before the covered one (one day of overlap: upserts make repeats harmless), so a missed day (a stopped server,
a failed run) is caught up by the next run. It is idempotent and may run as often as the scheduler likes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dailypapers.ingest.harvest import harvest_oai
from dailypapers.ingest.models import HarvestCheckpoint, HarvestStatus
from dailypapers.jobs.scheduler import Job, JobContext
from dailypapers.sources.arxiv_oai import HarvestParams, MetadataFormat, OaiHarvester
from dailypapers.sources.http import RETRY_ATTEMPTS, SourceClient, SourceError

ANNOUNCE_TZ = ZoneInfo("America/New_York")
ANNOUNCE_HOUR = 20
ANNOUNCE_WEEKDAYS = frozenset({6, 0, 1, 2, 3})  # Sunday..Thursday (Monday = 0)
# First run with no history: look back this far (covers a weekend plus a holiday).
FIRST_RUN_LOOKBACK_DAYS = 4
STATE_KEY = "schedule arxiv-daily"
CHECK_INTERVAL_SECONDS = 15 * 60

# OAI-PMH sets are archives; physics archives live under "physics:".
_PHYSICS_ARCHIVES = frozenset(
    [
        "astro-ph",
        "cond-mat",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "quant-ph",
    ]
)


def oai_set_for(category: str) -> str:
    """The OAI-PMH set that contains ``category`` (cs.LG -> cs, hep-th -> physics:hep-th, stat.ML -> stat)."""
    archive = category.split(".", 1)[0]
    return f"physics:{archive}" if archive in _PHYSICS_ARCHIVES else archive


def latest_announcement(now: dt.datetime) -> dt.datetime:
    """The most recent arXiv announcement at or before ``now`` (aware), in UTC."""
    local = now.astimezone(ANNOUNCE_TZ)
    for back in range(8):
        day = local.date() - dt.timedelta(days=back)
        moment = dt.datetime.combine(day, dt.time(ANNOUNCE_HOUR), tzinfo=ANNOUNCE_TZ)
        if day.weekday() in ANNOUNCE_WEEKDAYS and moment <= local:
            return moment.astimezone(dt.UTC)
    raise AssertionError("unreachable: an announcement happens every week")  # pragma: no cover


def harvest_window(covered: dt.datetime | None, due: dt.datetime) -> dt.date:
    """The OAI ``from`` date for catching up from ``covered`` to ``due``."""
    if covered is None:
        return due.date() - dt.timedelta(days=FIRST_RUN_LOOKBACK_DAYS)
    return covered.date() - dt.timedelta(days=1)


def run_arxiv_daily(ctx: JobContext, now: dt.datetime | None = None) -> str:
    categories = ctx.settings.category_list
    if not categories:
        return "no DAILYPAPERS_HARVEST_CATEGORIES: nothing to harvest"
    due = latest_announcement(now or ctx.clock())
    with ctx.db.read() as session:
        state = session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY))
        covered_text = state.params.get("covered") if state else None
    covered = dt.datetime.fromisoformat(covered_text) if covered_text else None
    if covered is not None and covered >= due:
        return f"up to date (announcement of {due:%Y-%m-%d %H:%M} UTC already harvested)"
    from_date = harvest_window(covered, due)
    summaries = []
    # The run's first request gets one attempt: when the network is down that is one clear line in the log (the
    # scheduler's), not a retry line per attempt and minutes of backoff; the next run is the retry. Once a page
    # has come, later pages retry as usual (a hiccup mid-harvest should not waste the pages fetched).
    with SourceClient(ctx.settings, min_interval_seconds=ctx.settings.arxiv_delay_seconds, attempts=1) as client:
        harvester = OaiHarvester(client, ctx.settings.arxiv_oai_url)

        def on_page(*_: object) -> None:
            client.attempts = RETRY_ATTEMPTS
            ctx.renew()

        for set_spec in sorted({oai_set_for(c) for c in categories}):
            params = HarvestParams(MetadataFormat.arxiv, from_date=from_date, set_spec=set_spec)
            summary = harvest_oai(ctx.db, harvester, params, categories=categories, on_page=on_page)
            summaries.append(f"{set_spec}: {summary}")
    with ctx.db.write() as session:
        state = session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key == STATE_KEY))
        if state is None:
            state = HarvestCheckpoint(key=STATE_KEY, status=HarvestStatus.done.value, pages=0, records=0)
            session.add(state)
        state.params = {"covered": due.isoformat(), "from": from_date.isoformat(), "categories": categories}
    return f"harvested from {from_date} for {' '.join(categories)}: " + "; ".join(summaries)


# A source that is down is expected now and then: one log line, no traceback.
JOBS = [Job("arxiv-daily", CHECK_INTERVAL_SECONDS, run_arxiv_daily, expected_failures=(SourceError,))]
