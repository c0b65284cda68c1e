"""Singleton jobs across processes and machines: at most one holder of a named lock at a time.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the job's duration (released by
the server if the process dies). SQLite: a lease row with an expiry, taken in a ``BEGIN IMMEDIATE``
transaction; a holder that dies leaves a lease that expires after ``ttl_seconds``, so long jobs renew it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, select, text

from dailypapers.db import Database, utcnow
from dailypapers.jobs.models import JobLease

DEFAULT_LEASE_SECONDS = 15 * 60


def holder_id() -> str:
    """This thread of this process on this machine: two scheduler threads never share a lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class Lease:
    db: Database
    name: str
    holder: str
    ttl_seconds: float

    def renew(self) -> None:
        """Push the expiry forward (SQLite leases); a no-op under PostgreSQL's advisory locks."""
        if self.db.engine.dialect.name != "sqlite":
            return
        with self.db.write() as session:
            lease = session.get(JobLease, self.name)
            if lease is not None and lease.holder == self.holder:
                lease.expires_at = utcnow() + dt.timedelta(seconds=self.ttl_seconds)


def _advisory_key(name: str) -> int:
    # A stable signed 64-bit key from the name (hash() differs between processes).
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def singleton(db: Database, name: str, ttl_seconds: float = DEFAULT_LEASE_SECONDS) -> Iterator[Lease | None]:
    """Yield a Lease when this process got the lock ``name``, or None when another holder has it."""
    holder = holder_id()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            key = _advisory_key(name)
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            connection.commit()
            if not got:
                yield None
                return
            try:
                yield Lease(db, name, holder, ttl_seconds)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
        return

    now = utcnow()
    with db.write() as session:
        lease = session.get(JobLease, name)
        if lease is not None and lease.holder != holder and lease.expires_at > now:
            acquired = False
        else:
            if lease is None:
                lease = JobLease(name=name, holder=holder, expires_at=now)
                session.add(lease)
            lease.holder, lease.expires_at = holder, now + dt.timedelta(seconds=ttl_seconds)
            acquired = True
    if not acquired:
        yield None
        return
    try:
        yield Lease(db, name, holder, ttl_seconds)
    finally:
        with db.write() as session:
            session.execute(delete(JobLease).where(JobLease.name == name, JobLease.holder == holder))


def current_holder(db: Database, name: str) -> str | None:
    with db.read() as session:
        lease = session.scalar(select(JobLease).where(JobLease.name == name, JobLease.expires_at > utcnow()))
        return lease.holder if lease else None
