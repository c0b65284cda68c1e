"""Disjoint batches of work for any number of workers: a claim row per item, with a lease.

A worker claims up to N items in one short transaction, works on them outside any transaction (embedding 64
abstracts takes ~3 s on 2 cores), then stores the results and drops its claims in one transaction. Another
worker skips items with a live claim; a claim whose holder died (kill -9, a lost host) expires after its lease
and the items are claimed again, so nothing is missed and a crash costs at most one batch of repeated work.

PostgreSQL: the candidate rows are locked ``FOR UPDATE SKIP LOCKED`` while the claims are written, so
concurrent claimers take disjoint items without waiting for each other; the row locks last milliseconds (a
vote updating a paper never waits for an embedding). ``INSERT … ON CONFLICT … DO UPDATE … WHERE expired``
with ``RETURNING`` then decides: an item is claimed only when no live claim exists at commit, whatever the
claimer's snapshot saw. SQLite: ``BEGIN IMMEDIATE`` serialises claimers, the same statements apply.

Callers re-check their condition after claiming (a fresh snapshot: another worker may have finished the item
just before), which with the rule above means no item is done twice while its claim is live.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

from sqlalchemy import Select, and_, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from dailypapers.db import Database, utcnow
from dailypapers.jobs.locks import holder_id, holder_is_dead
from dailypapers.jobs.models import WorkClaim


def unclaimed(kind: str, item_id: QueryableAttribute[int], now: dt.datetime) -> ColumnElement[bool]:
    """A WHERE clause: the item has no live claim of ``kind``."""
    return ~exists().where(and_(WorkClaim.kind == kind, WorkClaim.item_id == item_id, WorkClaim.expires_at > now))


def claim(
    db: Database,
    kind: str,
    candidates: Select[int],
    item_id: QueryableAttribute[int],
    size: int,
    lease_seconds: float,
) -> list[int]:
    """Claim up to ``size`` ids from ``candidates`` (a select of ``item_id`` with the caller's condition,
    ordered as it likes); returns the ids now claimed by this process, in order."""
    holder = holder_id()
    now = utcnow()
    expires = now + dt.timedelta(seconds=lease_seconds)
    query = candidates.where(unclaimed(kind, item_id, now)).limit(size)
    with db.write() as session:
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=item_id)  # locks rows of item_id's table only
        ids = list(session.scalars(query))
        if not ids:
            return []
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        values = insert(WorkClaim).values(
            [{"kind": kind, "item_id": i, "holder": holder, "expires_at": expires} for i in ids]
        )
        statement = values.on_conflict_do_update(
            index_elements=["kind", "item_id"],
            set_={"holder": holder, "expires_at": expires},
            where=WorkClaim.expires_at <= now,  # only an expired claim is taken over
        ).returning(WorkClaim.item_id)
        got = set(session.scalars(statement))
    return [i for i in ids if i in got]


def renew(db: Database, kind: str, ids: Sequence[int], lease_seconds: float) -> None:
    """Extend this process's claims on ``ids`` (a long batch must not outlive its lease)."""
    with db.write() as session:
        session.execute(
            update(WorkClaim)
            .where(WorkClaim.kind == kind, WorkClaim.item_id.in_(ids), WorkClaim.holder == holder_id())
            .values(expires_at=utcnow() + dt.timedelta(seconds=lease_seconds))
        )


def release(session: Session, kind: str, ids: Sequence[int]) -> None:
    """Drop this process's claims on ``ids``, in the caller's transaction (the one that stores the results)."""
    session.execute(
        delete(WorkClaim).where(WorkClaim.kind == kind, WorkClaim.item_id.in_(ids), WorkClaim.holder == holder_id())
    )


def live_claims(db: Database, kind: str) -> int:
    """How many items of ``kind`` are claimed right now (for the backlog and the tests)."""
    with db.read() as session:
        now = utcnow()
        rows = session.scalars(select(WorkClaim.item_id).where(WorkClaim.kind == kind, WorkClaim.expires_at > now))
        return len(list(rows))


def claim_ids(db: Database, kind: str, ids: Sequence[int], lease_seconds: float) -> list[int]:
    """Claim exactly these ``ids`` (keys that are not rows of one table, e.g. a repository's hash, or candidates
    chosen in Python); returns those now claimed by this process, in the given order. The same conflict rule as
    ``claim``: only a missing or expired claim is taken."""
    if not ids:
        return []
    holder = holder_id()
    now = utcnow()
    expires = now + dt.timedelta(seconds=lease_seconds)
    with db.write() as session:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(WorkClaim)
            .values([{"kind": kind, "item_id": i, "holder": holder, "expires_at": expires} for i in dict.fromkeys(ids)])
            .on_conflict_do_update(
                index_elements=["kind", "item_id"],
                set_={"holder": holder, "expires_at": expires},
                where=WorkClaim.expires_at <= now,
            )
            .returning(WorkClaim.item_id)
        )
        got = set(session.scalars(statement))
    return [i for i in dict.fromkeys(ids) if i in got]


def clear_stale(db: Database, kind: str) -> int:
    """Drop the claims of ``kind`` that hold nothing any more: expired ones (their holder died or outlived its
    lease; nobody else removes them once their item is done) and live ones whose holder ran on this machine and
    is gone (kill -9), so their items are taken at once instead of after the lease. A holder elsewhere is
    trusted until its lease ends. Returns how many went. Opt-in: the outboxes and enrichment call it (a rerun
    after a crash finishes at once); embedding waits a dead worker's lease out (its batch costs seconds)."""
    now = utcnow()
    with db.read() as session:
        held = session.execute(
            select(WorkClaim.holder, func.min(WorkClaim.expires_at))
            .where(WorkClaim.kind == kind)
            .group_by(WorkClaim.holder)
        ).all()
    dead = [holder for holder, _ in held if holder_is_dead(holder)]
    if not dead and all(first > now for _, first in held):
        return 0  # the usual case: no write transaction (on SQLite one would queue behind every other writer)
    with db.write() as session:
        result = session.execute(
            delete(WorkClaim)
            .where(WorkClaim.kind == kind, (WorkClaim.expires_at <= now) | WorkClaim.holder.in_(dead))
            .returning(WorkClaim.item_id)
        )
        return len(result.all())


class Holding:
    """Claims this process works through one by one: ``keep()`` renews the rest before the lease can lapse
    (a batch of slow calls, e.g. 100 GitHub requests 1 s apart, may outlast a short lease), ``done()`` drops
    one in the caller's transaction, ``drop()`` gives back whatever is left (on an error, or work skipped)."""

    def __init__(self, db: Database, kind: str, ids: Sequence[int], lease_seconds: float) -> None:
        self.db, self.kind, self.lease_seconds = db, kind, lease_seconds
        self.ids = list(ids)
        self._renewed = time.monotonic()

    def keep(self) -> None:
        # A third of the lease: two renewals could fail or come late before another worker takes over.
        if self.ids and time.monotonic() - self._renewed > self.lease_seconds / 3:
            renew(self.db, self.kind, self.ids, self.lease_seconds)
            self._renewed = time.monotonic()

    def done(self, session: Session, ids: Sequence[int]) -> None:
        release(session, self.kind, ids)
        gone = set(ids)
        self.ids = [i for i in self.ids if i not in gone]

    def drop(self) -> None:
        if self.ids:
            with self.db.write() as session:
                release(session, self.kind, self.ids)
            self.ids = []
