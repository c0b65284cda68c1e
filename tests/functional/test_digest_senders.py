"""Several senders drain one outbox at once (workers on several hosts): each digest goes out exactly once,
and the work is shared. A row in doubt of a live sender elsewhere waits for its lease."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

from sqlalchemy import select, update

from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.digests import subscriptions
from dailypapers.digests.models import Frequency, OutboxMessage
from dailypapers.digests.outbox import DrainSummary, compose, drain
from dailypapers.digests.schedule import covering
from dailypapers.email.smtp import SmtpSender
from dailypapers.jobs.models import WorkClaim
from tests.factories import load_days
from tests.smtp import SmtpSink

SUBSCRIBERS = 30
PERIOD = covering(Frequency.daily, dt.date(2025, 10, 29))  # 24 papers in tests/fixtures/hf_days


def _subscribe(db: Database, count: int) -> None:
    with db.write() as session:
        for i in range(count):
            subscriptions.add(session, f"reader{i:02d}@example.org", "daily", "", "", confirmed=True)


def test_two_senders_share_the_outbox(mail_settings: Settings, db: Database, smtp_sink: SmtpSink) -> None:
    load_days(db)
    _subscribe(db, SUBSCRIBERS)
    compose(db, mail_settings, PERIOD)
    summaries: list[DrainSummary] = []
    # A send rate per sender, so neither can empty the outbox before the other has started (30 take 1.5 s).
    paced = mail_settings.model_copy(update={"digest_send_rate": 20.0})

    def sender() -> None:
        with SmtpSender(paced) as smtp:
            summaries.append(drain(db, paced, smtp))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [s.sent for s in summaries if s.sent] and sum(s.sent for s in summaries) == SUBSCRIBERS
    assert min(s.sent for s in summaries) > 0, summaries  # both took a share
    per_message_id = Counter(r.message_id for r in smtp_sink.received)
    assert len(per_message_id) == SUBSCRIBERS and set(per_message_id.values()) == {1}
    with db.read() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_a_live_senders_row_waits_for_its_lease(mail_settings: Settings, db: Database, smtp_sink: SmtpSink) -> None:
    load_days(db)
    _subscribe(db, 2)
    compose(db, mail_settings, PERIOD)
    with db.write() as session:
        first = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        assert first is not None
        busy_id = first.id
        # Being sent by a worker on another host, whose claim runs for another minute.
        session.execute(update(OutboxMessage).where(OutboxMessage.id == busy_id).values(status="sending"))
        session.add(
            WorkClaim(
                kind="outbox:digests",
                item_id=busy_id,
                holder="other-host:1:1",
                expires_at=utcnow() + dt.timedelta(minutes=1),
            )
        )
    with SmtpSender(mail_settings) as smtp:
        summary = drain(db, mail_settings, smtp)
    assert (summary.sent, summary.in_doubt) == (1, 0)
    with db.write() as session:  # its lease runs out: the host is presumed gone
        session.execute(
            update(WorkClaim).where(WorkClaim.item_id == busy_id).values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    with SmtpSender(mail_settings) as smtp:
        summary = drain(db, mail_settings, smtp)
    assert (summary.sent, summary.in_doubt) == (1, 1)
    assert len(smtp_sink.received) == 2
