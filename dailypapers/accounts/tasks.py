"""The ``expired-logins`` job: delete logins past their expiry (each login also clears its own user's, but
users who never come back would leave theirs forever)."""

from __future__ import annotations

from sqlalchemy import delete

from dailypapers.accounts.models import UserSession
from dailypapers.db import Database, utcnow
from dailypapers.jobs.scheduler import Job, JobContext

CLEANUP_INTERVAL_SECONDS = 3600.0


def delete_expired_logins(db: Database) -> int:
    with db.write() as session:
        deleted = session.execute(
            delete(UserSession).where(UserSession.expires_at <= utcnow()).returning(UserSession.token_hash)
        ).all()
    return len(deleted)


def run_cleanup(ctx: JobContext) -> str:
    return f"deleted {delete_expired_logins(ctx.db)} expired logins"


JOBS = [Job("expired-logins", CLEANUP_INTERVAL_SECONDS, run_cleanup)]
