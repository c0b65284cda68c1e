"""Several workers post one webhook outbox at once (``jobs.outbox``, SQLite and PostgreSQL): each delivery goes
out exactly once and none is missed, the workers post disjoint rows concurrently, one webhook gets one post at a
time in day order, and a dead worker's claims elsewhere are taken over only once their lease has run out."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

from sqlalchemy import select, update

from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.jobs.claims import live_claims
from dailypapers.jobs.models import WorkClaim
from dailypapers.webhooks import services
from dailypapers.webhooks.models import WebhookDelivery
from dailypapers.webhooks.outbox import DrainSummary, compose, drain
from dailypapers.webhooks.transport import HttpPoster
from tests.conftest import WEBHOOK_BASE_URL
from tests.factories import load_days
from tests.webhook_sink import WebhookSink

DAY = dt.date(2025, 10, 29)  # 24 papers in tests/fixtures/hf_days
NEXT_DAY = dt.date(2025, 10, 30)
WEBHOOKS = 30
KIND = "outbox:webhooks"
BASE = WEBHOOK_BASE_URL


def add_webhooks(db: Database, sink: WebhookSink, count: int) -> None:
    with db.write() as session:
        for i in range(count):
            services.add(session, name=f"#papers-{i:02d}", service="slack", url=f"{sink.url}/slack/{i:02d}")


def statuses(db: Database) -> Counter[str]:
    with db.read() as session:
        return Counter(session.scalars(select(WebhookDelivery.status)))


def drain_in_thread(db: Database, settings: Settings, results: list[DrainSummary]) -> threading.Thread:
    def run() -> None:
        with HttpPoster(settings) as poster:
            results.append(drain(db, settings, poster))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_workers_post_disjoint_rows_at_once(hooks: Settings, db: Database, sink: WebhookSink) -> None:
    load_days(db)
    add_webhooks(db, sink, WEBHOOKS)
    assert compose(db, hooks, DAY).composed == WEBHOOKS
    sink.hold_after = 0  # the first worker's first post waits for its answer until released
    first: list[DrainSummary] = []
    thread = drain_in_thread(db, hooks, first)
    try:
        assert sink.holding.wait(60), "the first worker never posted"
        # Meanwhile a second worker posts everything the first has not claimed (its batch: the post in flight and
        # the rows after it), and nothing of the first's.
        with HttpPoster(hooks) as poster:
            second = drain(db, hooks, poster)
        assert statuses(db) == {"sent": second.sent, "sending": 1, "pending": WEBHOOKS - second.sent - 1}
        assert 0 < second.sent < WEBHOOKS - 1 and second.in_doubt == 0
    finally:
        sink.release.set()
        thread.join(60)
    assert [s.sent for s in first] == [WEBHOOKS - second.sent]  # the first worker posted its own batch, then the rest
    per_delivery = Counter(hit.delivery_id for hit in sink.received())
    assert len(per_delivery) == WEBHOOKS and set(per_delivery.values()) == {1}  # every row once, none missed
    assert len({hit.path for hit in sink.received()}) == WEBHOOKS
    assert statuses(db) == {"sent": WEBHOOKS} and live_claims(db, KIND) == 0


def test_one_webhook_gets_one_post_at_a_time_in_day_order(hooks: Settings, db: Database, sink: WebhookSink) -> None:
    load_days(db)
    add_webhooks(db, sink, 1)
    assert compose(db, hooks, DAY).composed == compose(db, hooks, NEXT_DAY).composed == 1
    sink.hold_after = 0
    first: list[DrainSummary] = []
    thread = drain_in_thread(db, hooks, first)
    try:
        assert sink.holding.wait(60), "the first worker never posted"
        with HttpPoster(hooks) as poster:  # the next day waits while the day before is in flight
            assert drain(db, hooks, poster).sent == 0
    finally:
        sink.release.set()
        thread.join(60)
    assert [s.sent for s in first] == [2]
    with db.read() as session:
        by_delivery = dict(session.execute(select(WebhookDelivery.delivery_id, WebhookDelivery.day)).all())
    assert [by_delivery[hit.delivery_id] for hit in sink.received()] == [DAY, NEXT_DAY]


def test_a_dead_workers_claims_elsewhere_wait_for_their_lease(hooks: Settings, db: Database, sink: WebhookSink) -> None:
    load_days(db)
    add_webhooks(db, sink, 8)
    compose(db, hooks, DAY)
    with db.write() as session:
        ids = list(session.scalars(select(WebhookDelivery.id).order_by(WebhookDelivery.id)))
        # A worker on another host claimed three rows and was posting the first when it died; its claims run for
        # another minute, and from here its process cannot be seen to be gone.
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == ids[0]).values(status="sending"))
        until = utcnow() + dt.timedelta(minutes=1)
        session.add_all(WorkClaim(kind=KIND, item_id=i, holder="other-host:1:1", expires_at=until) for i in ids[:3])
    with HttpPoster(hooks) as poster:
        summary = drain(db, hooks, poster)
    assert (summary.sent, summary.in_doubt) == (5, 0)
    assert statuses(db) == {"sent": 5, "sending": 1, "pending": 2}
    with db.write() as session:  # the lease runs out: the host is presumed gone
        session.execute(update(WorkClaim).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    with HttpPoster(hooks) as poster:
        summary = drain(db, hooks, poster)
    assert (summary.sent, summary.in_doubt) == (3, 1)  # the one in doubt posted again (here: for the first time)
    per_delivery = Counter(hit.delivery_id for hit in sink.received())
    assert len(per_delivery) == 8 and set(per_delivery.values()) == {1}
    assert statuses(db) == {"sent": 8} and live_claims(db, KIND) == 0
    with db.read() as session:
        assert session.scalar(select(WorkClaim.item_id).where(WorkClaim.kind == KIND)) is None  # nothing left over
