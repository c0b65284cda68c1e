"""Filling the webhook outbox (composing a feed day) and draining it (posting), exactly once per webhook and day.

The same shape as the digests' outbox (digests/outbox.py):

- Composing inserts one row per enabled webhook that has none for the day (``INSERT … ON CONFLICT DO NOTHING``
  on the unique (webhook, day) key): reruns and concurrent runs add nothing twice. A day with no papers on the
  feed yet is not composed at all, so the post waits for the daily loop instead of going out empty.
- Posting holds the singleton lock ``webhook-send``, marks a row ``sending`` in its own transaction, makes the
  request, then records the answer. A server's acceptance and our commit cannot be one transaction, so a crash
  leaves at most one row ``sending``: the delivery in doubt.
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

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database, insert_ignoring_conflicts, utcnow
from dailypapers.jobs.locks import singleton
from dailypapers.papers.categories import in_categories
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.webhooks import payloads
from dailypapers.webhooks.models import DeliveryStatus, Service, Webhook, WebhookDelivery
from dailypapers.webhooks.payloads import Post, PostedPaper
from dailypapers.webhooks.transport import PermanentFailure, Poster, TemporaryFailure, prepare

RETRY_BASE_SECONDS = 60.0
MAX_CANDIDATES = 2000  # a feed day has ~50 papers
ERROR_CHARS = 2000
LEASE_RENEW_SECONDS = 60.0  # the posting lease lasts 15 minutes; renewing per post would add a write to each


class SendingBusy(RuntimeError):
    """Another process is posting webhooks right now."""


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
    row_id: int
    delivery_id: str
    body: str
    service: Service
    url: str
    secret: str | None


def _claim_next(db: Database, day: dt.date | None, now: dt.datetime) -> _Claimed | DeliveryStatus | None:
    """The next due row, marked ``sending``; ``cancelled`` when its webhook is off; None when nothing is due."""
    with db.write() as session:
        query = (
            select(WebhookDelivery)
            .where(WebhookDelivery.status == DeliveryStatus.pending.value)
            .where((WebhookDelivery.next_attempt_at.is_(None)) | (WebhookDelivery.next_attempt_at <= now))
            .order_by(WebhookDelivery.id)
            .limit(1)
        )
        if day is not None:
            query = query.where(WebhookDelivery.day == day)
        row = session.scalar(query)
        if row is None:
            return None
        webhook = session.get(Webhook, row.webhook_id)
        if webhook is None or not webhook.enabled:
            row.status, row.last_error = DeliveryStatus.cancelled.value, "the webhook was disabled before posting"
            return DeliveryStatus.cancelled
        row.status = DeliveryStatus.sending.value
        row.attempts += 1
        return _Claimed(row.id, row.delivery_id, row.body, Service(webhook.service), webhook.url, webhook.secret)


class Outcome(StrEnum):
    """What became of one attempt; each is a counter of ``DrainSummary``."""

    sent = "sent"
    retry_later = "retry_later"
    failed = "failed"


def _record(
    db: Database, settings: Settings, row_id: int, error: Exception | None, now: dt.datetime
) -> tuple[Outcome, bool]:
    """Store how the attempt ended; returns the outcome and whether the webhook was disabled by it."""
    with db.write() as session:
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
    """Post every due delivery (of ``day`` when given); ``now`` decides which retries are due. Raises
    ``SendingBusy`` when another process holds the posting lock."""
    summary = DrainSummary()
    with singleton(db, "webhook-send") as lease:
        if lease is None:
            raise SendingBusy("another process is posting webhooks; try again when it has finished")
        with db.write() as session:
            doubt = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.status == DeliveryStatus.sending.value)
                .values(status=DeliveryStatus.pending.value, next_attempt_at=None)
                .returning(WebhookDelivery.id)
            ).all()
            summary.in_doubt = len(doubt)
        renewed = time.monotonic()
        while True:
            claimed = _claim_next(db, day, now())
            if claimed is None:
                break
            if claimed is DeliveryStatus.cancelled:
                summary.cancelled += 1
                continue
            assert isinstance(claimed, _Claimed)
            error: Exception | None = None
            try:
                request = prepare(
                    settings,
                    claimed.service,
                    claimed.url,
                    claimed.secret,
                    claimed.body,
                    claimed.delivery_id,
                    time.time(),
                )
                poster.send(request)
            except (TemporaryFailure, PermanentFailure, ValueError) as exc:  # ValueError: a URL gone bad
                error = exc
            outcome, disabled = _record(db, settings, claimed.row_id, error, now())
            setattr(summary, outcome.value, getattr(summary, outcome.value) + 1)
            summary.disabled += disabled
            if time.monotonic() - renewed > LEASE_RENEW_SECONDS:
                lease.renew()
                renewed = time.monotonic()
            if on_delivery is not None:
                on_delivery(outcome.value)
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
