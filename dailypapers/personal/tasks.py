"""The ``personal`` job: refit the interest model of every user whose signals changed since the last fit."""

from __future__ import annotations

from dailypapers.jobs.scheduler import Job, JobContext
from dailypapers.personal.services import refit_user, stale_users

PERSONAL_JOB_INTERVAL_SECONDS = 120.0


def run_refits(ctx: JobContext) -> str:
    users = stale_users(ctx.db, ctx.settings)
    fitted = 0
    for user_id in users:
        fitted += refit_user(ctx.db, ctx.settings, user_id)
        ctx.renew()
    return f"{fitted} models fitted, {len(users) - fitted} users without enough signals" if users else "all current"


JOBS = [Job("personal", PERSONAL_JOB_INTERVAL_SECONDS, run_refits)]
