"""Configuring webhooks: add (validated), list, remove, re-enable. Each takes a ``Session`` and joins the
caller's transaction."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.errors import Refused
from dailypapers.webhooks.models import Service, Webhook
from dailypapers.webhooks.payloads import DISCORD_MAX_EMBEDS
from dailypapers.webhooks.transport import InvalidWebhookUrl, check_url

MAX_TOP_N = 20  # Slack allows 50 blocks a message; 20 papers is already a long post
MAX_NAME_CHARS = 100
MAX_CATEGORIES = 20
SECRET_BYTES = 32  # 256-bit HMAC keys, as long as SHA-256's output
_CATEGORY = re.compile(r"[a-z][a-z-]{0,19}(\.[A-Za-z][A-Za-z-]{0,19})?")


class WebhookRefused(ValueError, Refused):
    """A webhook that cannot be configured as given; the message says which field and why."""


class NoSuchWebhook(LookupError, Refused):
    status_code = 404


def parse_service(value: str) -> Service:
    try:
        return Service(value.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in Service)
        raise WebhookRefused(f"service {value[:40]!r} is not one of {names}.") from None


def clean_categories(text: str) -> str:
    items = [c for c in re.split(r"[\s,]+", text.strip()) if c]
    if len(items) > MAX_CATEGORIES:
        raise WebhookRefused(f"categories: list at most {MAX_CATEGORIES}.")
    for item in items:
        if not _CATEGORY.fullmatch(item):
            raise WebhookRefused(f"categories: {item[:40]!r} is not an arXiv category or archive (cs.CL, cs).")
    return " ".join(dict.fromkeys(items))


def add(
    session: Session,
    *,
    name: str,
    service: str,
    url: str,
    top_n: int = 10,
    categories: str = "",
    secret: str | None = None,
    created_by: User | None = None,
) -> Webhook:
    """A new enabled webhook. A generic one without a secret gets a random one (read it from the result)."""
    kind = parse_service(service)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise WebhookRefused(f"name: give the channel a name of 1 to {MAX_NAME_CHARS} characters.")
    try:
        url = check_url(url)
    except InvalidWebhookUrl as exc:
        raise WebhookRefused(f"url: {exc}") from None
    most = DISCORD_MAX_EMBEDS if kind is Service.discord else MAX_TOP_N
    if not 1 <= top_n <= most:
        raise WebhookRefused(
            f"top: post 1 to {most} papers{' (Discord shows 10 at most)' if most < MAX_TOP_N else ''}."
        )
    secret = (secret or "").strip() or None
    if kind is Service.matrix and secret is None:
        raise WebhookRefused("secret: a Matrix webhook needs the access token of the user that posts.")
    if kind is Service.generic and secret is None:
        secret = secrets.token_urlsafe(SECRET_BYTES)
    if kind not in (Service.matrix, Service.generic):
        secret = None  # the other services carry their credential in the URL
    webhook = Webhook(
        name=name,
        service=kind.value,
        url=url,
        secret=secret,
        top_n=top_n,
        categories=clean_categories(categories),
        enabled=True,
        failures=0,
        created_by_id=created_by.id if created_by else None,
    )
    session.add(webhook)
    session.flush()
    return webhook


def all_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def get(session: Session, webhook_id: int) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise NoSuchWebhook(f"No webhook {webhook_id}.")
    return webhook


def remove(session: Session, webhook_id: int) -> None:
    """Deletes the webhook and its deliveries (a sender holding one of them finds it gone and cancels it)."""
    session.delete(get(session, webhook_id))


def enable(session: Session, webhook_id: int) -> Webhook:
    """Back on after the curator fixed the cause: the failure count starts again from zero."""
    webhook = get(session, webhook_id)
    webhook.enabled, webhook.failures, webhook.disabled_reason = True, 0, None
    return webhook


def shown_url(url: str) -> str:
    """The URL without its path: Slack, Discord and Mattermost URLs are credentials, pages show only the host."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"
