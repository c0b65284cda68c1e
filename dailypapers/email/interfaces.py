"""The ``EmailSender`` protocol and the development implementation that writes messages to the log."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Protocol

from dailypapers.config import Settings
from dailypapers.email.smtp import SmtpSender

log = logging.getLogger("dailypapers.email")


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise; callers send after their transaction commits."""


class ConsoleSender:
    """Development: the whole message goes to the ``dailypapers.email`` log (stderr under ``serve``), so a
    developer can follow confirmation and reset links without a mail server."""

    def send(self, message: EmailMessage) -> None:
        log.warning("e-mail (console backend, not delivered):\n%s", message.as_string())


class OneShotSmtp:
    """An SMTP connection per message, for the odd account e-mail (digests keep one connection per run)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        with SmtpSender(self.settings) as sender:
            sender.send(message)


def get_sender(settings: Settings) -> EmailSender:
    if settings.email_backend == "smtp":
        return OneShotSmtp(settings)
    return ConsoleSender()


def build_message(settings: Settings, to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text message. The stdlib refuses CR/LF in header values, so no field can inject headers."""
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    return message


def send_after_response(settings: Settings, message: EmailMessage) -> None:
    """Send one message; handlers add it as a BackgroundTask, so it runs after the response (its cost and its
    failures never show in the answer, which must not differ between known and unknown addresses)."""
    get_sender(settings).send(message)
