"""The account e-mails: what they say, built as messages for the ``EmailSender``."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import quote

from dailypapers.accounts import services
from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.email.interfaces import build_message


def confirmation(settings: Settings, user: User) -> EmailMessage:
    link = f"{settings.base_url}/confirm?token={quote(services.confirm_token(settings, user))}"
    text = (
        f"Hello {user.username},\n\n"
        f"Confirm your e-mail address to finish signing up to {settings.site_name}:\n\n{link}\n\n"
        f"The link works for {settings.confirm_link_hours:g} hours. If you did not sign up, ignore this e-mail.\n"
    )
    return build_message(settings, user.email or "", f"Confirm your {settings.site_name} account", text)


def already_registered(settings: Settings, user: User) -> EmailMessage:
    """Sent instead of a confirmation when someone signs up with an address that has an account."""
    link = f"{settings.base_url}/reset?token={quote(services.reset_token(settings, user))}"
    text = (
        f"Hello,\n\nSomeone, probably you, tried to sign up to {settings.site_name} with this address. It already "
        f"has an account, with the username {user.username}.\n\n"
        f"Log in at {settings.base_url}/login, or choose a new password here:\n\n{link}\n\n"
        "If it was not you, ignore this e-mail: nothing has changed.\n"
    )
    return build_message(settings, user.email or "", f"Your {settings.site_name} account", text)


def username_taken(settings: Settings, email: str, username: str) -> EmailMessage:
    """Sent instead of a confirmation when a new address asked for a username someone else has: the page said
    "check your inbox" either way, so only the mailbox owner learns why no account was made."""
    text = (
        f"Hello,\n\nSomeone, probably you, tried to sign up to {settings.site_name} with this address and the "
        f"username {username}. That username belongs to someone else, so no account was made.\n\n"
        f"Choose another username and sign up again at {settings.base_url}/signup\n\n"
        "If it was not you, ignore this e-mail: nothing has changed.\n"
    )
    return build_message(settings, email, f"Choose another {settings.site_name} username", text)


def password_reset(settings: Settings, user: User) -> EmailMessage:
    link = f"{settings.base_url}/reset?token={quote(services.reset_token(settings, user))}"
    text = (
        f"Hello {user.username},\n\nChoose a new password for {settings.site_name}:\n\n{link}\n\n"
        f"The link works once, for {settings.reset_link_hours:g} hours. If you did not ask, ignore this e-mail.\n"
    )
    return build_message(settings, user.email or "", f"Reset your {settings.site_name} password", text)
