"""Subscribing to digests: double opt-in by signed link, preferences and one-click unsubscribe by signed link,
and the operator's commands. No answer tells a visitor whether an address is subscribed: the subscribe form
always ends on "check your inbox"; what happens next is told to the mailbox owner only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.accounts.services import AccountError, normalize_email
from dailypapers.config import Settings
from dailypapers.db import utcnow
from dailypapers.digests.models import Frequency, Subscription, SubscriptionStatus
from dailypapers.errors import Refused
from dailypapers.papers.filters import InvalidFilter, parse_query_string
from dailypapers.signing import InvalidToken, sign, unsign

MAX_CATEGORIES = 20
MAX_KEYWORDS = 20
KEYWORD_MAX_CHARS = 100
FILTER_FIELD_MAX_CHARS = 1000
CATEGORY_RE = re.compile(r"[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?")
# Preference and unsubscribe links live in e-mails people keep: they do not expire (a re-subscription retires
# them through token_version). Ten years stands for "no expiry" in itsdangerous's terms.
LINK_FOREVER_SECONDS = 10 * 365 * 86400


class SubscriptionRefused(ValueError, Refused):
    """A refusal whose message is safe to show."""


def _no_line_breaks(name: str, text: str) -> None:
    if "\r" in text or "\n" in text:
        raise SubscriptionRefused(f"The {name} cannot contain line breaks.")


def clean_categories(text: str) -> str:
    _no_line_breaks("categories", text)
    if len(text) > FILTER_FIELD_MAX_CHARS:
        raise SubscriptionRefused(f"List at most {MAX_CATEGORIES} categories ({FILTER_FIELD_MAX_CHARS} characters).")
    items = [c for c in re.split(r"[\s,]+", text.strip()) if c]
    if len(items) > MAX_CATEGORIES:
        raise SubscriptionRefused(f"List at most {MAX_CATEGORIES} categories.")
    for item in items:
        if not CATEGORY_RE.fullmatch(item):
            raise SubscriptionRefused(f"“{item[:40]}” is not an arXiv category such as cs.LG, math.AG or stat.")
    return " ".join(dict.fromkeys(items))


def clean_keywords(text: str) -> str:
    _no_line_breaks("keywords", text)
    if len(text) > FILTER_FIELD_MAX_CHARS:
        raise SubscriptionRefused(
            f"Keep the keywords under {FILTER_FIELD_MAX_CHARS} characters (at most {MAX_KEYWORDS} phrases)."
        )
    items = [" ".join(k.split()) for k in text.split(",")]
    items = [k for k in items if k]
    if len(items) > MAX_KEYWORDS:
        raise SubscriptionRefused(f"List at most {MAX_KEYWORDS} keywords, separated by commas.")
    for item in items:
        if len(item) > KEYWORD_MAX_CHARS:
            raise SubscriptionRefused(f"Keep each keyword under {KEYWORD_MAX_CHARS} characters.")
    return ", ".join(dict.fromkeys(items))


def clean_email(text: str) -> str:
    _no_line_breaks("e-mail address", text)
    try:
        return normalize_email(text)
    except AccountError as exc:
        raise SubscriptionRefused(str(exc)) from None


def parse_frequency(text: str) -> Frequency:
    try:
        return Frequency(text.strip().lower())
    except ValueError:
        raise SubscriptionRefused("Choose daily or weekly.") from None


class SubscribeOutcome(StrEnum):
    confirm = "confirm"  # a confirmation link goes out
    already = "already"  # active already: the owner gets a link to their preferences instead


@dataclass(frozen=True, slots=True)
class Subscribed:
    outcome: SubscribeOutcome
    subscription: Subscription


def by_email(session: Session, email: str) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.email == email))


def subscribe(
    session: Session,
    email: str,
    frequency: str,
    categories: str = "",
    keywords: str = "",
    user: User | None = None,
) -> Subscribed:
    """Ask to subscribe ``email``. An active subscription is left as it is (the visitor may not own the
    address); anything else becomes pending with the new preferences and a fresh link version."""
    address = clean_email(email)
    chosen = parse_frequency(frequency)
    cats, words = clean_categories(categories), clean_keywords(keywords)
    subscription = by_email(session, address)
    if subscription is not None and subscription.status == SubscriptionStatus.active.value:
        return Subscribed(SubscribeOutcome.already, subscription)
    if subscription is None:
        subscription = Subscription(email=address)
        session.add(subscription)
    else:
        subscription.token_version += 1
    subscription.frequency, subscription.categories, subscription.keywords = chosen.value, cats, words
    subscription.status = SubscriptionStatus.pending.value
    subscription.changed_at = utcnow()
    if user is not None and user.email == address:
        subscription.user_id = user.id
    session.flush()
    return Subscribed(SubscribeOutcome.confirm, subscription)


def confirm_token(settings: Settings, subscription: Subscription) -> str:
    return sign(settings.secret_key, "digest-confirm", {"s": subscription.id, "v": subscription.token_version})


def manage_token(settings: Settings, subscription: Subscription) -> str:
    """For the preferences page and unsubscribing: in every digest, valid until the address re-subscribes."""
    return sign(settings.secret_key, "digest-manage", {"s": subscription.id, "v": subscription.token_version})


def _from_token(session: Session, settings: Settings, purpose: str, token: str, max_age: float) -> Subscription:
    payload = unsign(settings.secret_key, purpose, token, max_age)
    subscription = session.get(Subscription, payload.get("s"))
    if subscription is None or subscription.token_version != payload.get("v"):
        raise InvalidToken("This link is no longer valid: a newer e-mail replaced it.")
    return subscription


def to_confirm(session: Session, settings: Settings, token: str) -> Subscription:
    """The subscription a confirmation link is for, while the link may still confirm it (changes nothing)."""
    subscription = _from_token(session, settings, "digest-confirm", token, settings.confirm_link_hours * 3600)
    if subscription.status == SubscriptionStatus.unsubscribed.value:
        raise InvalidToken("You unsubscribed after this link was sent. Subscribe again to get a new one.")
    return subscription


def confirm(session: Session, settings: Settings, token: str) -> Subscription:
    subscription = to_confirm(session, settings, token)
    if subscription.status != SubscriptionStatus.active.value:
        subscription.status = SubscriptionStatus.active.value
        subscription.confirmed_at = utcnow()
        subscription.bounces = 0
        subscription.changed_at = utcnow()
    return subscription


def from_manage_token(session: Session, settings: Settings, token: str) -> Subscription:
    return _from_token(session, settings, "digest-manage", token, LINK_FOREVER_SECONDS)


def clean_filters(text: str) -> str:
    """A filter query string (``exclude=survey&has_code=true``, as in a listing's address), canonical."""
    _no_line_breaks("filters", text)
    try:
        return parse_query_string(parse_qsl(text.strip().lstrip("?"), keep_blank_values=True)).query_string()
    except InvalidFilter as exc:
        raise SubscriptionRefused(str(exc)) from None


def update_preferences(
    subscription: Subscription,
    frequency: str,
    categories: str,
    keywords: str,
    filters: str | None = None,
) -> Subscription:
    subscription.frequency = parse_frequency(frequency).value
    subscription.categories = clean_categories(categories)
    subscription.keywords = clean_keywords(keywords)
    if filters is not None:
        subscription.filters = clean_filters(filters)
    if subscription.status == SubscriptionStatus.paused.value:
        subscription.status, subscription.bounces = SubscriptionStatus.active.value, 0  # saving resumes it
    subscription.changed_at = utcnow()
    return subscription


def unsubscribe(subscription: Subscription) -> None:
    """Idempotent: the one-click POST may arrive twice (mail providers retry)."""
    if subscription.status != SubscriptionStatus.unsubscribed.value:
        subscription.status = SubscriptionStatus.unsubscribed.value
        subscription.changed_at = utcnow()


def add(
    session: Session,
    email: str,
    frequency: str = "daily",
    categories: str = "",
    keywords: str = "",
    confirmed: bool = False,
) -> Subscription:
    """The operator's ``subscribers add``/``import``: like the form, but ``confirmed`` skips the opt-in (for lists
    whose consent the operator holds) and an existing subscription gets the given preferences."""
    address = clean_email(email)
    subscription = by_email(session, address)
    if subscription is None:
        subscription = Subscription(email=address)
        session.add(subscription)
    subscription.frequency = parse_frequency(frequency).value
    subscription.categories, subscription.keywords = clean_categories(categories), clean_keywords(keywords)
    if confirmed:
        if subscription.status != SubscriptionStatus.active.value:
            subscription.confirmed_at = utcnow()
        subscription.status = SubscriptionStatus.active.value
        subscription.bounces = 0
    elif subscription.status != SubscriptionStatus.active.value:
        subscription.status = SubscriptionStatus.pending.value
    subscription.changed_at = utcnow()
    session.flush()
    return subscription


def all_subscriptions(session: Session) -> list[Subscription]:
    return list(session.scalars(select(Subscription).order_by(Subscription.id)))
