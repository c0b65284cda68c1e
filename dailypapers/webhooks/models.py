"""Webhooks and their outbox (one row per webhook and feed day).

A row holds the exact request body composed for the day, not paper ids: a resend after a crash then sends the
same bytes (only the generic service's timestamp and signature are fresh), and a day's body is a few kB for a
handful of webhooks, so storing it costs nothing.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime, utcnow


class Service(StrEnum):
    slack = "slack"
    discord = "discord"
    matrix = "matrix"  # the Client-Server API's send endpoint of a room (docs/webhooks.md)
    mattermost = "mattermost"
    generic = "generic"  # JSON signed with HMAC-SHA256


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # the channel, as the curator calls it ("#papers")
    service: Mapped[str] = mapped_column(String(20))
    # The incoming-webhook URL. Slack's, Discord's and Mattermost's carry their credential in the path, so pages
    # show only the host.
    url: Mapped[str] = mapped_column(Text)
    # generic: the HMAC key; matrix: the bot's access token. Stored as is: signing needs the key itself.
    secret: Mapped[str | None] = mapped_column(Text)
    top_n: Mapped[int] = mapped_column(Integer, default=10)
    categories: Mapped[str] = mapped_column(Text, default="")  # space-separated; "cs" is the whole archive
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed attempts in a row
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def category_list(self) -> list[str]:
        return self.categories.split()


class DeliveryStatus(StrEnum):
    pending = "pending"  # composed, waiting (or waiting for a retry after next_attempt_at)
    sending = "sending"  # marked just before its HTTP request: after a crash, the one delivery in doubt
    sent = "sent"
    failed = "failed"  # a permanent failure, or temporary ones past DAILYPAPERS_WEBHOOK_MAX_ATTEMPTS
    empty = "empty"  # no paper of the day passed the webhook's filter: nothing is posted
    cancelled = "cancelled"  # the webhook was disabled or removed before sending


class WebhookDelivery(Base):
    __tablename__ = "webhook_outbox"
    __table_args__ = (
        UniqueConstraint("webhook_id", "day"),
        Index("ix_webhook_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    # Stable across resends: the X-Dailypapers-Delivery header and Matrix's transaction id, so a receiver can
    # recognise the one delivery a crash may repeat.
    delivery_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.pending.value)
    paper_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # arXiv ids, in posted order
    body: Mapped[str] = mapped_column(Text, default="")  # the JSON request body
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
