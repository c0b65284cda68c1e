"""Filling the webhook outbox (composing a feed day) and draining it (posting), exactly once per webhook and day.

The same shape as the digests' outbox (digests/outbox.py):

- Composing inserts one row per enabled webhook that has none for the day (``INSERT … ON CONFLICT DO NOTHING``
  on the unique (webhook, day) key): reruns and concurrent runs add nothing twice. A day with no papers on the
  feed yet is not composed at all, so the post waits for the daily loop instead of going out empty.
- Posting is the digests' drain (``jobs.outbox``): any number of workers claim disjoint rows, mark each
  ``sending`` in its own transaction, make the request, then record the answer. A server's acceptance and our
  commit cannot be one transaction, so a crash leaves at most one row ``sending`` per worker: the delivery in
  doubt, taken back once its claim ends (at once when its worker ran on this machine and is gone). One webhook
  gets one post at a time, its days in order.
- The rule for the delivery in doubt: it is posted again (at least once) with the same body and the same
  delivery id (``X-Dailypapers-Delivery``; Matrix's transaction id), by which a receiver recognises it. Every
  other row is either ``sent`` (never retried) or was never handed to the network.
- Failures: temporary ones (timeouts, 5xx, 429) are retried with backoff doubling from
  ``RETRY_BASE_SECONDS``, up to DAILYPAPERS_WEBHOOK_MAX_ATTEMPTS tries; every failed attempt counts against the
  webhook, and DAILYPAPERS_WEBHOOK_DISABLE_AFTER of them in a row disable it, with the reason kept for the
  settings page (its later deliveries are cancelled until a curator enables it again).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from dailypapers.config import Settings
from dailypapers.db import Database, insert_ignoring_conflicts, utcnow
from dailypapers.jobs import outbox
from dailypapers.jobs.outbox import OutboxTable
from dailypapers.papers.categories import in_categories
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.webhooks import payloads
from dailypapers.webhooks.models import DeliveryStatus, Service, Webhook, WebhookDelivery
from dailypapers.webhooks.payloads import Post, PostedPaper
from dailypapers.webhooks.transport import PermanentFailure, Poster, TemporaryFailure, prepare

RETRY_BASE_SECONDS = 60.0
MAX_CANDIDATES = 2000  # a feed day has ~50 papers
ERROR_CHARS = 2000


@dataclass
class ComposeSummary:
    composed: int = 0  # rows with papers, waiting to be posted
    empty: int = 0  # nothing passed the webhook's filter: nothing will be posted
    already: int = 0  # had a row for the day before this run
    no_papers: bool = False  # the day has no papers on the feed (yet): nothing composed

    def __str__(self) -> str:
        if self.no_papers:
            return "no papers on the feed for the day yet"
        return f"{self.composed} composed, {self.empty} with nothing to post, {self.already} composed before"


def day_papers(session: Session, settings: Settings, day: dt.date) -> list[PostedPaper]:
    """The day's feed in trending order (the digests' order), hidden entries left out."""
    query = (
        select(Paper)
        .join(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(DailyEntry.day == day, DailyEntry.hidden_at.is_(None))
        .order_by(Paper.trending_score.desc(), Paper.id)
        .limit(MAX_CANDIDATES)
    )
    return [
        PostedPaper(
            arxiv_id=paper.arxiv_id,
            title=" ".join(paper.title.split()),
            url=f"{settings.base_url}/papers/{paper.arxiv_id}",
            upvotes=paper.upvotes,
            authors=paper.author_list,
            summary=payloads.shorten(paper.ai_summary or paper.abstract or ""),
            categories=paper.category_list,
        )
        for paper in session.scalars(query)
    ]


def choose(webhook: Webhook, papers: list[PostedPaper]) -> list[PostedPaper]:
    wanted = webhook.category_list
    return [p for p in papers if not wanted or in_categories(p.categories, wanted)][: webhook.top_n]


def make_post(settings: Settings, day: dt.date, papers: list[PostedPaper], delivery_id: str) -> Post:
    return Post(settings.site_name, day, f"{settings.base_url}/papers/date/{day.isoformat()}", papers, delivery_id)


def compose(db: Database, settings: Settings, day: dt.date) -> ComposeSummary:
    """Fill the outbox for ``day`` (one row per enabled webhook that has none)."""
    summary = ComposeSummary()
    with db.read() as session:
        has_row = select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == Webhook.id, WebhookDelivery.day == day)
        webhooks = list(session.scalars(select(Webhook).where(Webhook.enabled, ~has_row.exists()).order_by(Webhook.id)))
        summary.already = len(session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.day == day)).all())
        if not webhooks:
            return summary
        papers = day_papers(session, settings, day)
    if not papers:
        summary.no_papers = True
        return summary
    rows = []
    for webhook in webhooks:
        chosen = choose(webhook, papers)
        delivery_id = uuid.uuid4().hex
        status = DeliveryStatus.pending if chosen else DeliveryStatus.empty
        summary.composed += status is DeliveryStatus.pending
        summary.empty += status is DeliveryStatus.empty
        body = payloads.body(Service(webhook.service), make_post(settings, day, chosen, delivery_id)) if chosen else ""
        rows.append(
            {
                "webhook_id": webhook.id,
                "day": day,
                "delivery_id": delivery_id,
                "status": status.value,
                "paper_ids": [p.arxiv_id for p in chosen],
                "body": body,
                "attempts": 0,
                "created_at": utcnow(),
            }
        )
    with db.write() as session:
        session.execute(insert_ignoring_conflicts(session, WebhookDelivery, ["webhook_id", "day"]), rows)
    return summary


@dataclass
class DrainSummary:
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    cancelled: int = 0
    disabled: int = 0  # webhooks switched off by this run
    in_doubt: int = 0  # found "sending" after a crash, posted again under the same delivery id

    def __str__(self) -> str:
        doubt = f", {self.in_doubt} in doubt after a crash and posted again" if self.in_doubt else ""
        off = f", {self.disabled} webhooks disabled" if self.disabled else ""
        counts = f"{self.sent} sent, {self.retry_later} to retry later, {self.failed} failed"
        return f"{counts}, {self.cancelled} cancelled{off}{doubt}"


@dataclass(frozen=True)
class _Claimed:
    delivery_id: str
    body: str
    service: Service
    url: str
    secret: str | None


class Outcome(StrEnum):
    """What became of one attempt; each is a counter of ``DrainSummary``."""

    sent = "sent"
    retry_later = "retry_later"
    failed = "failed"


@dataclass
class _Deliveries:
    """The webhooks' part of ``jobs.outbox.drain``."""

    settings: Settings
    poster: Poster
    day: dt.date | None
    summary: DrainSummary
    on_delivery: Callable[[str], None] | None

    table = OutboxTable(
        "outbox:webhooks",
        WebhookDelivery.id,
        WebhookDelivery.status,
        WebhookDelivery.next_attempt_at,
        WebhookDelivery.attempts,
    )

    def where(self, now: dt.datetime) -> list[ColumnElement[bool]]:
        # One post per webhook at a time, oldest first (as when one process posted everything in id order): a row
        # waits while an earlier row of its webhook is in flight or due, so two workers never post to one channel
        # at once (Slack allows about one message a second per webhook) and a day never overtakes the one before
        # it, unless that one waits for a retry.
        earlier = aliased(WebhookDelivery)
        ahead = select(earlier.id).where(
            earlier.webhook_id == WebhookDelivery.webhook_id,
            earlier.id < WebhookDelivery.id,
            or_(
                earlier.status == DeliveryStatus.sending.value,
                and_(
                    earlier.status == DeliveryStatus.pending.value,
                    or_(earlier.next_attempt_at.is_(None), earlier.next_attempt_at <= now),
                ),
            ),
        )
        if self.day is None:
            return [~ahead.exists()]
        return [WebhookDelivery.day == self.day, ~ahead.where(earlier.day == self.day).exists()]

    def prepare(self, session: Session, row_id: int) -> _Claimed | None:
        row = session.get(WebhookDelivery, row_id)
        assert row is not None  # checked due in this transaction
        webhook = session.get(Webhook, row.webhook_id)
        if webhook is None or not webhook.enabled:
            row.status, row.last_error = DeliveryStatus.cancelled.value, "the webhook was disabled before posting"
            return None
        return _Claimed(row.delivery_id, row.body, Service(webhook.service), webhook.url, webhook.secret)

    def send(self, item: _Claimed) -> Exception | None:
        try:
            request = prepare(
                self.settings, item.service, item.url, item.secret, item.body, item.delivery_id, time.time()
            )
            self.poster.send(request)
        except (TemporaryFailure, PermanentFailure, ValueError) as exc:  # ValueError: a URL gone bad
            return exc
        return None

    def record(self, session: Session, row_id: int, error: Exception | None, now: dt.datetime) -> None:
        outcome, disabled = _record(session, self.settings, row_id, error, now)
        setattr(self.summary, outcome.value, getattr(self.summary, outcome.value) + 1)
        self.summary.disabled += disabled
        if self.on_delivery is not None:
            self.on_delivery(outcome.value)


def _record(
    session: Session, settings: Settings, row_id: int, error: Exception | None, now: dt.datetime
) -> tuple[Outcome, bool]:
    """Store how the attempt ended; returns the outcome and whether the webhook was disabled by it."""
    row = session.get(WebhookDelivery, row_id)
    if row is None:  # the webhook was removed meanwhile (its rows went with it)
        return (Outcome.sent if error is None else Outcome.failed), False
    webhook = session.get(Webhook, row.webhook_id)
    assert webhook is not None  # rows cascade with their webhook
    if error is None:
        row.status, row.sent_at, row.last_error = DeliveryStatus.sent.value, utcnow(), None
        webhook.failures, webhook.last_success_at = 0, utcnow()
        return Outcome.sent, False
    row.last_error = str(error)[:ERROR_CHARS]
    webhook.failures += 1
    disabled = webhook.failures >= settings.webhook_disable_after
    if disabled:
        webhook.enabled = False
        webhook.disabled_reason = (
            f"Disabled {utcnow():%Y-%m-%d %H:%M} UTC after {webhook.failures} failed attempts in a row; "
            f"the last: {row.last_error}"
        )[:ERROR_CHARS]
    retry = isinstance(error, TemporaryFailure) and row.attempts < settings.webhook_max_attempts
    if retry and not disabled:
        row.status = DeliveryStatus.pending.value
        row.next_attempt_at = now + dt.timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (row.attempts - 1))
        return Outcome.retry_later, False
    row.status = DeliveryStatus.failed.value
    return Outcome.failed, disabled


def drain(
    db: Database,
    settings: Settings,
    poster: Poster,
    day: dt.date | None = None,
    now: Callable[[], dt.datetime] = utcnow,
    on_delivery: Callable[[str], None] | None = None,
) -> DrainSummary:
    """Post every due delivery (of ``day`` when given); ``now`` decides which retries are due. Any number of
    processes may drain at once: each posts the rows it claimed (``jobs.outbox``)."""
    summary = DrainSummary()
    deliveries = _Deliveries(settings, poster, day, summary, on_delivery)
    drained = outbox.drain(db, deliveries, settings.work_lease_seconds, now)
    summary.in_doubt, summary.cancelled = drained.in_doubt, drained.cancelled
    return summary


def due_day(now: dt.datetime, settings: Settings) -> dt.date:
    """The feed day whose post is due at ``now``: yesterday (in DAILYPAPERS_DIGEST_TIMEZONE) once
    DAILYPAPERS_WEBHOOK_HOUR has passed, the day before until then (only the latest: no flood after an outage)."""
    local = now.astimezone(ZoneInfo(settings.digest_timezone))
    return (local - dt.timedelta(hours=settings.webhook_hour)).date() - dt.timedelta(days=1)


def send_test(db: Database, settings: Settings, webhook_id: int, poster: Poster) -> str:
    """Post the latest feed day's top papers to one webhook now, outside the outbox (nothing is recorded and a
    failure does not count against it); raises ``TemporaryFailure``/``PermanentFailure``; returns what it sent."""
    with db.read() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is None:
            raise LookupError(f"No webhook {webhook_id}.")
        day = session.scalar(select(func.max(DailyEntry.day)).where(DailyEntry.hidden_at.is_(None)))
        chosen = choose(webhook, day_papers(session, settings, day)) if day is not None else []
        service, url, secret = Service(webhook.service), webhook.url, webhook.secret
    delivery_id = f"test-{uuid.uuid4().hex}"
    post = make_post(settings, day or utcnow().date(), chosen, delivery_id)
    try:
        request = prepare(settings, service, url, secret, payloads.body(service, post), delivery_id, time.time())
    except ValueError as exc:
        raise PermanentFailure(str(exc)) from None
    poster.send(request)
    return f"posted {len(chosen)} papers of {post.day} to {webhook.name} ({service.value})"
