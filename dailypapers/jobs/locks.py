"""Singleton jobs across processes and machines: at most one holder of a named lock at a time.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the job's duration (released by
the server if the process dies). SQLite: a lease row with an expiry, taken in a ``BEGIN IMMEDIATE``
transaction; long jobs renew it. A holder that dies leaves its lease behind: on the same machine a dead
process's lease is taken over at once (its pid is gone), elsewhere it expires after ``ttl_seconds``.
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

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from dailypapers.db import Database, utcnow
from dailypapers.jobs.models import JobLease
from dailypapers.text import whole_number

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
        if lease is not None and lease.holder != holder and lease.expires_at > now and not holder_is_dead(lease.holder):
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


def serialized(session: Session, name: str) -> None:
    """Make the caller's write transaction wait for every other one serialised on ``name``, until it ends: a
    check-then-write (a count against a budget) is then one step across processes. PostgreSQL: a
    transaction-level advisory lock; SQLite: nothing to do, ``BEGIN IMMEDIATE`` lets one writer in at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _advisory_key(name)})


def holder_is_dead(holder: str) -> bool:
    """True when the holder ran on this machine and its process is gone (killed, crashed): its lease need not
    be waited out. A holder on another machine is trusted until the lease expires."""
    host, _, rest = holder.partition(":")
    pid = whole_number(rest.partition(":")[0])
    if host != socket.gethostname() or pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        return False
    return False
