"""Filling the outbox (composing a period) and draining it (sending), exactly once per subscriber and period.

- Composing inserts one row per active subscription of the period's frequency that has none yet
  (``INSERT … ON CONFLICT DO NOTHING`` on the unique (subscription, period) key): reruns and concurrent runs
  add nothing twice.
- Sending is the webhooks' drain (``jobs.outbox``): any number of workers claim disjoint rows (a work claim per
  row with a lease, DAILYPAPERS_WORK_LEASE_SECONDS; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), mark each
  ``sending`` in its own transaction, talk SMTP, then mark it ``sent``. An SMTP server's acceptance and our commit
  cannot be one transaction, so a crash can leave exactly one row ``sending`` per sender: the message in doubt. A
  sender takes such a row back when its claim has expired, or at once when its holder ran on this machine and its
  process is gone.
- The rule for the message in doubt: it is sent again (at least once), with the same Message-ID, which mail
  systems use to recognise a duplicate. Losing a digest silently would be worse than a recognisable repeat, and
  nothing else can repeat: every other row is either ``sent`` (never retried) or was never handed to SMTP.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from typing import Protocol
from urllib.parse import quote

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database, insert_ignoring_conflicts, utcnow
from dailypapers.digests.compose import MemberSections, NoPersonalization, NoSections, PeriodDigests, Personalizer
from dailypapers.digests.models import Frequency, OutboxMessage, OutboxStatus, Subscription, SubscriptionStatus
from dailypapers.digests.schedule import DigestPeriod, covering
from dailypapers.digests.subscriptions import manage_token
from dailypapers.email.interfaces import mail_domain, new_message
from dailypapers.email.smtp import PermanentFailure, TemporaryFailure
from dailypapers.jobs import outbox
from dailypapers.jobs.locks import holder_id
from dailypapers.jobs.outbox import OutboxTable
from dailypapers.papers.periods import parse_day, parse_week

INSERT_BATCH = 500
RETRY_BASE_SECONDS = 60.0


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def parse_period_key(key: str) -> DigestPeriod:
    frequency, _, slug = key.partition(":")
    if frequency == Frequency.daily.value:
        return covering(Frequency.daily, parse_day(slug))
    return covering(Frequency.weekly, parse_week(slug).start)


@dataclass
class ComposeSummary:
    composed: int = 0  # rows with papers, waiting to be sent
    empty: int = 0  # nothing matched: nothing will be sent
    already: int = 0  # had a row for the period before this run

    def __str__(self) -> str:
        return f"{self.composed} composed, {self.empty} with nothing to send, {self.already} composed before"


def _subscribers_without_row(session: Session, period: DigestPeriod) -> list[Subscription]:
    has_row = select(OutboxMessage.id).where(
        OutboxMessage.subscription_id == Subscription.id, OutboxMessage.period == period.key
    )
    query = (
        select(Subscription)
        .where(
            Subscription.status == SubscriptionStatus.active.value,
            Subscription.frequency == period.frequency.value,
            ~has_row.exists(),
        )
        .order_by(Subscription.id)
    )
    return list(session.scalars(query))


def message_id(settings: Settings, subscription_id: int, period_key: str) -> str:
    return f"<digest.{subscription_id}.{period_key.replace(':', '.')}@{mail_domain(settings)}>"


def compose(
    db: Database,
    settings: Settings,
    period: DigestPeriod,
    personalizer: Personalizer | None = None,
    dry_run: bool = False,
    member_sections: MemberSections | None = None,
) -> ComposeSummary:
    """Fill the outbox for ``period``; ``dry_run`` chooses the papers but writes nothing."""
    personalizer = personalizer or NoPersonalization()
    member_sections = member_sections or NoSections()
    summary = ComposeSummary()
    with db.read() as session:
        subscribers = _subscribers_without_row(session, period)
        with_rows = session.scalars(select(OutboxMessage.id).where(OutboxMessage.period == period.key)).all()
        summary.already = len(with_rows)
        if not subscribers:
            return summary
        digests = PeriodDigests.load(session, settings, period)
        candidate_ids = [p.paper_id for p in digests.papers]
        rows = []
        for subscription in subscribers:
            chosen = digests.choose(subscription, session)
            personal: list[int] = []
            own: list[tuple[str, list[int]]] = []
            if subscription.user_id is not None:
                personal = personalizer.rank(session, subscription.user_id, candidate_ids, settings.digest_size)
                shown = set(personal)
                for heading, ids in member_sections.sections(
                    session, subscription.user_id, period.period.start, period.period.end, settings.digest_size
                ):
                    fresh = [i for i in ids if i not in shown]
                    shown.update(fresh)
                    if fresh:
                        own.append((heading, fresh))
                chosen = [i for i in chosen if i not in shown]
            status = OutboxStatus.pending if chosen or personal or own else OutboxStatus.empty
            summary.composed += status is OutboxStatus.pending
            summary.empty += status is OutboxStatus.empty
            rows.append(
                {
                    "subscription_id": subscription.id,
                    "period": period.key,
                    "status": status.value,
                    "recipient": subscription.email,
                    "message_id": message_id(settings, subscription.id, period.key),
                    "paper_ids": chosen,
                    "personal_ids": personal,
                    "sections": [[heading, ids] for heading, ids in own],
                    "attempts": 0,
                    "created_at": utcnow(),
                }
            )
    if dry_run:
        return summary
    for start in range(0, len(rows), INSERT_BATCH):
        with db.write() as session:
            statement = insert_ignoring_conflicts(session, OutboxMessage, ["subscription_id", "period"])
            session.execute(statement, rows[start : start + INSERT_BATCH])
    return summary


def build_message(
    settings: Settings, digests: PeriodDigests, row: OutboxMessage, subscription: Subscription
) -> EmailMessage:
    """The e-mail for ``row``: multipart text + HTML, RFC 8058 one-click unsubscribe, stable Message-ID."""
    token = quote(manage_token(settings, subscription))
    manage_url = f"{settings.base_url}/subscriptions/manage?token={token}"
    unsubscribe_url = f"{settings.base_url}/unsubscribe?token={token}"
    rendered = digests.render(row.paper_ids, row.personal_ids, manage_url, unsubscribe_url, row.section_ids())
    message = new_message(settings, row.recipient, rendered.subject, message_id=row.message_id)
    message["List-Id"] = f"{settings.site_name} digest <digest.{mail_domain(settings)}>"
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


@dataclass
class DrainSummary:
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    cancelled: int = 0
    in_doubt: int = 0  # found "sending" after a crash, sent again under the same Message-ID

    def __str__(self) -> str:
        doubt = f", {self.in_doubt} in doubt after a crash and sent again" if self.in_doubt else ""
        counts = f"{self.sent} sent, {self.retry_later} to retry later, {self.failed} failed"
        return f"{counts}, {self.cancelled} cancelled{doubt}"


class Delivery(StrEnum):
    """What became of one message; each is also a counter of ``DrainSummary``."""

    sent = "sent"
    retry_later = "retry_later"
    failed = "failed"


@dataclass
class _Digests:
    """The digests' part of ``jobs.outbox.drain``."""

    db: Database
    settings: Settings
    sender: Sender
    period_key: str | None
    summary: DrainSummary
    on_message: Callable[[str], None] | None
    digests: dict[str, PeriodDigests] = field(default_factory=dict)
    last_send: float = 0.0

    table = OutboxTable(
        "outbox:digests", OutboxMessage.id, OutboxMessage.status, OutboxMessage.next_attempt_at, OutboxMessage.attempts
    )

    def where(self, _now: dt.datetime) -> list[ColumnElement[bool]]:
        return [] if self.period_key is None else [OutboxMessage.period == self.period_key]

    def prepare(self, session: Session, row_id: int) -> tuple[OutboxMessage, Subscription] | None:
        row = session.get(OutboxMessage, row_id)
        assert row is not None  # checked due in this transaction
        subscription = session.get(Subscription, row.subscription_id)
        if subscription is None or subscription.status != SubscriptionStatus.active.value:
            row.status = OutboxStatus.cancelled.value
            row.last_error = "the subscription ended before sending"
            return None
        row.claimed_by = holder_id()  # who sends it, for an operator looking at the row (the claim is the lease)
        return row, subscription

    def send(self, item: tuple[OutboxMessage, Subscription]) -> Exception | None:
        row, subscription = item
        if row.period not in self.digests:
            with self.db.read() as session:
                self.digests[row.period] = PeriodDigests.load(session, self.settings, parse_period_key(row.period))
        own = [i for _, ids in row.section_ids() for i in ids]
        if own:  # members' own sections may hold papers that are not the period's candidates
            with self.db.read() as session:
                self.digests[row.period].ensure(session, own)
        message = build_message(self.settings, self.digests[row.period], row, subscription)
        rate = self.settings.digest_send_rate
        wait = self.last_send + (1.0 / rate if rate > 0 else 0.0) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.last_send = time.monotonic()
        try:
            self.sender.send(message)
        except (TemporaryFailure, PermanentFailure) as exc:
            return exc
        return None

    def record(self, session: Session, row_id: int, error: Exception | None, now: dt.datetime) -> None:
        field_name = _record(session, self.settings, row_id, error, now)
        setattr(self.summary, field_name, getattr(self.summary, field_name) + 1)
        if self.on_message is not None:
            self.on_message(field_name)


def _record(session: Session, settings: Settings, row_id: int, outcome: Exception | None, now: dt.datetime) -> Delivery:
    """Store how the SMTP transaction ended; returns the summary field to count."""
    stored = session.get(OutboxMessage, row_id)
    assert stored is not None  # rows outlive their subscription (cancelled, never deleted)
    subscription = session.get(Subscription, stored.subscription_id)
    if outcome is None:
        stored.status, stored.sent_at, stored.last_error = OutboxStatus.sent.value, utcnow(), None
        stored.next_attempt_at = None
        if subscription is not None:
            subscription.bounces = 0
        return Delivery.sent
    stored.last_error = str(outcome)[:2000]
    if isinstance(outcome, TemporaryFailure) and stored.attempts < settings.digest_max_attempts:
        stored.status = OutboxStatus.pending.value
        delay = RETRY_BASE_SECONDS * 2 ** (stored.attempts - 1)
        stored.next_attempt_at = now + dt.timedelta(seconds=delay)
        return Delivery.retry_later
    stored.status = OutboxStatus.failed.value
    if isinstance(outcome, PermanentFailure) and subscription is not None:
        subscription.bounces += 1
        if subscription.bounces >= settings.digest_bounce_limit:
            subscription.status = SubscriptionStatus.paused.value
            subscription.changed_at = utcnow()
    return Delivery.failed


def drain(
    db: Database,
    settings: Settings,
    sender: Sender,
    period_key: str | None = None,
    on_message: Callable[[str], None] | None = None,
) -> DrainSummary:
    """Send every pending digest (of ``period_key`` when given) that is due; see the module doc for the rule
    after a crash. Other processes may drain at the same time: each sends different rows. Raises
    ``SmtpConfigError`` (after putting the row back) when the server cannot be used as configured."""
    summary = DrainSummary()
    digests = _Digests(db, settings, sender, period_key, summary, on_message)
    drained = outbox.drain(db, digests, settings.work_lease_seconds)
    summary.in_doubt, summary.cancelled = drained.in_doubt, drained.cancelled
    return summary
