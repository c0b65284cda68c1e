"""Draining an outbox with any number of workers: the one way digests (e-mail) and webhooks (chat posts) go out.

An outbox row is ``pending`` (due once its ``next_attempt_at`` has passed, or at once without one), ``sending``,
or in one of its outbox's final states. Every worker that drains:

1. takes back the rows in doubt: ``sending`` with no live claim, because their sender died and its claim expired
   (``DAILYPAPERS_WORK_LEASE_SECONDS``) or, for a sender that ran on this machine, went with its process. They are
   ``pending`` again and are sent again under the same stable id (Message-ID, delivery id), by which a receiver
   recognises the repeat: at least once, never silently lost;
2. claims a small batch of due ``pending`` rows (``jobs.claims``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
   work claim with a lease per row), so that other workers take other rows at the same time;
3. for each claimed row in order: re-checks it in a fresh transaction (still pending and due), lets the outbox
   prepare it (or cancel it) and marks it ``sending`` in that transaction; makes the call outside any
   transaction; then records the result and drops the claim in one transaction.

A server's acceptance and our commit cannot be one transaction, so a crash leaves at most one row ``sending`` per
worker: the one in flight. Claimed rows not yet marked stay ``pending`` and return to the pool with their claim. A
call that raises instead of returning a delivery error (a configuration that cannot work, a bug) puts its row back
to ``pending`` as never tried, gives back the batch and re-raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from dailypapers.db import Database, utcnow
from dailypapers.jobs import claims

PENDING = "pending"
SENDING = "sending"
# Rows one worker claims at a time. Small, so that several workers share even a short outbox; a claim costs one
# short transaction, against two per row for marking and recording.
CLAIM_BATCH = 10

T = TypeVar("T")


@dataclass(frozen=True)
class OutboxTable:
    """Where an outbox keeps what the drain reads and writes."""

    kind: str  # the work claims' kind, e.g. "outbox:webhooks"
    id: InstrumentedAttribute[int]
    status: InstrumentedAttribute[str]
    next_attempt_at: InstrumentedAttribute[dt.datetime | None]
    attempts: InstrumentedAttribute[int]

    @property
    def model(self) -> Any:
        return self.id.class_

    def due(self, now: dt.datetime) -> list[ColumnElement[bool]]:
        return [self.status == PENDING, or_(self.next_attempt_at.is_(None), self.next_attempt_at <= now)]


class Outbox(Protocol[T]):
    """One outbox's part of a drain: which rows, what to send, how to record the answer."""

    @property
    def table(self) -> OutboxTable: ...

    def where(self, now: dt.datetime) -> list[ColumnElement[bool]]:
        """More conditions on a due row (one period only, one post per webhook at a time)."""
        ...

    def prepare(self, session: Session, row_id: int) -> T | None:
        """What ``send`` needs, read in the transaction that marks the row ``sending``; None after marking the
        row cancelled (its target is gone or off)."""
        ...

    def send(self, item: T) -> Exception | None:
        """Make the call; return the delivery error (recorded), raise what must stop the drain."""
        ...

    def record(self, session: Session, row_id: int, error: Exception | None, now: dt.datetime) -> None:
        """Store how the call ended, in the transaction that drops the row's claim."""
        ...


@dataclass
class Drained:
    in_doubt: int = 0  # found ``sending`` after a crash and sent again
    cancelled: int = 0


def take_back(db: Database, table: OutboxTable) -> int:
    """Rows left ``sending`` by a sender that is gone: back to ``pending``. Returns how many."""
    claims.clear_stale(db, table.kind)
    with db.write() as session:
        rows = session.execute(
            update(table.model)
            .where(table.status == SENDING, claims.unclaimed(table.kind, table.id, utcnow()))
            .values({table.status: PENDING, table.next_attempt_at: None})
            .returning(table.id)
        ).all()
    return len(rows)


def drain(
    db: Database,
    outbox: Outbox[T],
    lease_seconds: float,
    now: Callable[[], dt.datetime] = utcnow,
    batch_size: int = CLAIM_BATCH,
) -> Drained:
    """Send every row that is due now (``now`` decides which retries are due; leases keep the real clock)."""
    table = outbox.table
    drained = Drained(in_doubt=take_back(db, table))
    while True:
        current = now()
        candidates = select(table.id).where(*table.due(current), *outbox.where(current)).order_by(table.id)
        ids = claims.claim(db, table.kind, candidates, table.id, batch_size, lease_seconds)
        if not ids:
            return drained
        holding = claims.Holding(db, table.kind, ids, lease_seconds)
        try:
            for row_id in ids:
                holding.keep()
                drained.cancelled += _send_one(db, outbox, holding, row_id, now)
        finally:
            holding.drop()


def _send_one(
    db: Database, outbox: Outbox[T], holding: claims.Holding, row_id: int, now: Callable[[], dt.datetime]
) -> int:
    """Send one claimed row; returns 1 when it was cancelled instead."""
    table = outbox.table
    with db.write() as session:
        # A fresh look: another worker may have sent it just before our claim (after its own claim had expired).
        if session.scalar(select(table.id).where(table.id == row_id, *table.due(now()))) is None:
            holding.done(session, [row_id])
            return 0
        item = outbox.prepare(session, row_id)
        if item is None:
            holding.done(session, [row_id])
            return 1
        session.execute(
            update(table.model)
            .where(table.id == row_id)
            .values({table.status: SENDING, table.attempts: table.attempts + 1})
        )
    try:
        error = outbox.send(item)
    except BaseException:
        with db.write() as session:
            session.execute(
                update(table.model)
                .where(table.id == row_id, table.status == SENDING)
                .values({table.status: PENDING, table.attempts: table.attempts - 1, table.next_attempt_at: None})
            )
        raise
    with db.write() as session:
        outbox.record(session, row_id, error, now())
        holding.done(session, [row_id])
    return 0
