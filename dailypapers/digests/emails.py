"""The subscription e-mails (the digests themselves are built in outbox.py)."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import quote

from dailypapers.config import Settings
from dailypapers.digests.models import Subscription
from dailypapers.digests.subscriptions import confirm_token, manage_token
from dailypapers.email.interfaces import build_message


def _describe(subscription: Subscription) -> str:
    parts = [f"a {subscription.frequency} digest of trending papers"]
    if subscription.categories:
        parts.append(f"in {subscription.categories}")
    if subscription.keywords:
        parts.append(f"about {subscription.keywords}")
    return " ".join(parts)


def confirmation(settings: Settings, subscription: Subscription) -> EmailMessage:
    link = f"{settings.base_url}/subscriptions/confirm?token={quote(confirm_token(settings, subscription))}"
    text = (
        f"Hello,\n\nSomeone, probably you, asked for {_describe(subscription)} from {settings.site_name} at this "
        f"address. Confirm to start receiving it:\n\n{link}\n\n"
        f"The link works for {settings.confirm_link_hours:g} hours. If it was not you, ignore this e-mail: "
        "nothing will be sent.\n"
    )
    return build_message(settings, subscription.email, f"Confirm your {settings.site_name} digest", text)


def already_subscribed(settings: Settings, subscription: Subscription) -> EmailMessage:
    link = f"{settings.base_url}/subscriptions/manage?token={quote(manage_token(settings, subscription))}"
    text = (
        f"Hello,\n\nSomeone, probably you, asked to subscribe this address to {settings.site_name}. It already "
        f"receives {_describe(subscription)}. Change it or unsubscribe here:\n\n{link}\n\n"
        "If it was not you, ignore this e-mail: nothing has changed.\n"
    )
    return build_message(settings, subscription.email, f"Your {settings.site_name} digest", text)
