"""The ``EmailSender`` protocol and the development implementation that writes messages to the log."""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from typing import Any, Protocol
from urllib.parse import urlsplit

from dailypapers.config import Settings
from dailypapers.email.smtp import SmtpSender

log = logging.getLogger("dailypapers.email")

# Headers that mail software parses as URLs or ids, never as text: RFC 2047 encoded-words there (what the stdlib
# writes for any header longer than 78 characters without a space, e.g. an unsubscribe URL with its token) hide
# the URL from mail clients, so Gmail's and Yahoo's one-click unsubscribe (RFC 8058) stop working.
VERBATIM_HEADERS = frozenset({"message-id", "list-id", "list-unsubscribe", "list-unsubscribe-post"})
MAX_HEADER_LINE_CHARS = 998  # RFC 5322 §2.1.1: the hard limit of a line, CRLF excluded


class MailPolicy(EmailPolicy):
    """The stdlib's default policy, except that the headers in ``VERBATIM_HEADERS`` are written as they are
    (ASCII, one line of at most 998 characters); anything else in them falls back to the default encoding."""

    def _verbatim(self, name: str, value: Any) -> str | None:
        text = str(value)
        line = f"{name}: {text}"
        if name.lower() in VERBATIM_HEADERS and text.isascii() and len(line) <= MAX_HEADER_LINE_CHARS:
            return line + self.linesep
        return None

    def fold(self, name: str, value: Any) -> str:
        return self._verbatim(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        line = self._verbatim(name, value)
        return line.encode("ascii") if line is not None else super().fold_binary(name, value)


MAIL_POLICY = MailPolicy()


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


def mail_domain(settings: Settings) -> str:
    return urlsplit(settings.base_url).hostname or "localhost"


def new_message(settings: Settings, to: str, subject: str, message_id: str | None = None) -> EmailMessage:
    """An empty message with the headers every e-mail of ours carries. A Date and a Message-ID are required or
    expected by RFC 5322 and by spam filters (smtplib adds neither); the id is on our own domain. The stdlib
    refuses CR/LF in header values, so no field can inject headers."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = settings.email_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = message_id or make_msgid(domain=mail_domain(settings))
    return message


def build_message(settings: Settings, to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text message."""
    message = new_message(settings, to, subject)
    message.set_content(text)
    return message


def send_after_response(settings: Settings, message: EmailMessage) -> None:
    """Send one message; handlers add it as a BackgroundTask, so it runs after the response (its cost and its
    failures never show in the answer, which must not differ between known and unknown addresses)."""
    get_sender(settings).send(message)
