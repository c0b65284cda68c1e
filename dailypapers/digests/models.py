"""Subscriptions and the outbox.

The outbox has one row per (subscription, period): composing a period fills it (a unique key, so a rerun adds
nothing), sending drains it. A row holds what was chosen for the subscriber (paper ids, in order), not the
rendered e-mail: 10,000 subscribers times ~25 kB of HTML would be 250 MB a day. Sending renders it from the
period's papers (cached per period) with a Message-ID derived from the subscription and period, so a resend
after a crash is recognisably the same e-mail.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime, utcnow


class Frequency(StrEnum):
    daily = "daily"
    weekly = "weekly"


class SubscriptionStatus(StrEnum):
    pending = "pending"  # waiting for the double opt-in click
    active = "active"
    paused = "paused"  # too many bounces; the owner can resume from the preferences page
    unsubscribed = "unsubscribed"


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased
    frequency: Mapped[str] = mapped_column(String(10), default=Frequency.daily.value)
    categories: Mapped[str] = mapped_column(Text, default="")  # space-separated; "cs" matches every cs.* category
    keywords: Mapped[str] = mapped_column(Text, default="")  # comma-separated phrases
    # The site's filter vocabulary as a canonical query string (papers/filters.py), e.g. "exclude=survey".
    filters: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default=SubscriptionStatus.pending.value, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Bumped when the address unsubscribes or re-subscribes: links signed for an older version stop working,
    # so an old confirmation link cannot resubscribe someone who left.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    bounces: Mapped[int] = mapped_column(Integer, default=0)  # permanent failures in a row
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxStatus(StrEnum):
    pending = "pending"  # composed, waiting (or waiting for a retry after next_attempt_at)
    sending = "sending"  # marked just before its SMTP transaction: after a crash, the one message in doubt
    sent = "sent"
    failed = "failed"  # permanent failure, or temporary ones past DAILYPAPERS_DIGEST_MAX_ATTEMPTS
    empty = "empty"  # nothing matched the subscriber's filters: nothing is sent
    cancelled = "cancelled"  # unsubscribed or paused between composing and sending


class OutboxMessage(Base):
    __tablename__ = "digest_outbox"
    __table_args__ = (
        UniqueConstraint("subscription_id", "period"),
        Index("ix_digest_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(40))  # "daily:2026-11-25", "weekly:2026-W47"
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.pending.value)
    recipient: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(200))
    paper_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the trending section, in order
    personal_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the "for you" section
    # A member's own sections, after "for you": [["From authors you follow", [ids]], ["Saved searches", [ids]]].
    sections: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")

    def section_ids(self) -> list[tuple[str, list[int]]]:
        """``sections`` as (heading, ids), whatever JSON gave back."""
        return [(str(heading), [int(i) for i in ids]) for heading, ids in self.sections or []]

    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Pending: not before this time (a retry's backoff). Sending: the sender's lease, after which another
    # sender may take the row back (jobs.locks.holder_id of that sender in ``claimed_by``).
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
