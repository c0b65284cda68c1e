"""The scheduled ``webhooks`` job: compose the latest due feed day for every enabled webhook, then drain.

State-derived like the digests job: composing adds rows only for webhooks without one for the day, and only
once the day has papers on the feed, so the job can run every few minutes and posts after the daily loop.
"""

from __future__ import annotations

from dailypapers.jobs.scheduler import Job, JobContext
from dailypapers.webhooks.outbox import compose, drain, due_day
from dailypapers.webhooks.transport import HttpPoster

WEBHOOK_JOB_INTERVAL_SECONDS = 300.0


def run_webhooks(ctx: JobContext) -> str:
    day = due_day(ctx.clock(), ctx.settings)
    composed = compose(ctx.db, ctx.settings, day)
    reports = [f"{day}: {composed}"] if composed.composed or composed.empty else []
    with HttpPoster(ctx.settings) as poster:
        drained = drain(ctx.db, ctx.settings, poster)
    if drained.sent or drained.failed or drained.retry_later or drained.in_doubt or drained.cancelled:
        reports.append(str(drained))
    return "; ".join(reports) or "nothing due"


# Not a singleton job: composing is idempotent, and every worker posts, each the rows it claimed (jobs.outbox).
JOBS = [Job("webhooks", WEBHOOK_JOB_INTERVAL_SECONDS, run_webhooks, singleton=False)]
