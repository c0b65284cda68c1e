"""The scheduled ``digests`` job: compose the latest due period of each frequency, then drain the outbox.

State-derived: composing adds rows only for subscribers without one for the period, so the job can run every
few minutes; a new subscriber confirmed after the period was composed is picked up at the next run.
"""

from __future__ import annotations

from dailypapers.digests.models import Frequency
from dailypapers.digests.outbox import compose, drain
from dailypapers.digests.schedule import latest_due
from dailypapers.email.interfaces import ConsoleSender
from dailypapers.email.smtp import SmtpConfigError, SmtpSender
from dailypapers.jobs.scheduler import Job, JobContext
from dailypapers.personal.digest_sections import FollowsAndSearches
from dailypapers.personal.services import ModelPersonalizer

DIGEST_JOB_INTERVAL_SECONDS = 300.0


def run_digests(ctx: JobContext) -> str:
    reports = []
    for frequency in Frequency:
        period = latest_due(frequency, ctx.clock(), ctx.settings)
        if period is None:
            continue
        summary = compose(
            ctx.db,
            ctx.settings,
            period,
            ModelPersonalizer(ctx.settings),
            member_sections=FollowsAndSearches(ctx.settings),
        )
        if summary.composed or summary.empty:
            reports.append(f"{period.key}: {summary}")
    sender = SmtpSender(ctx.settings) if ctx.settings.email_backend == "smtp" else ConsoleSender()
    try:
        drained = drain(ctx.db, ctx.settings, sender)
    finally:
        if isinstance(sender, SmtpSender):
            sender.close()
    if drained.sent or drained.failed or drained.retry_later or drained.in_doubt:
        reports.append(str(drained))
    return "; ".join(reports) or "nothing due"


# Not a singleton job: composing is idempotent, and every worker sends, each the rows it claimed. A mail server
# that cannot be reached or used (down, offline, misconfigured) is expected now and then: one log line per run, no
# traceback; the messages stay in the outbox for the next run.
JOBS = [
    Job(
        "digests",
        DIGEST_JOB_INTERVAL_SECONDS,
        run_digests,
        singleton=False,
        expected_failures=(SmtpConfigError,),
    )
]
