"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives, for e-mail tests.

Recipients starting with ``bounce`` are refused permanently (550), ``later`` temporarily (451), so tests can
drive the outbox's failure paths through real SMTP answers.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class Received:
    recipients: tuple[str, ...]
    message: EmailMessage
    raw: bytes = b""  # the DATA exactly as it came over the wire (tests of header encoding read this)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        # hold_after = N: the message after the first N is kept, then its "250" is withheld until ``release`` is
        # set, so a test can kill the sender while the server has the message and the sender has no answer.
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        if address.startswith("later"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content: Any = envelope.original_content or envelope.content
        message = email.message_from_bytes(content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(tuple(envelope.rcpt_tos), message, bytes(content)))  # type: ignore[arg-type]
            hold = self.hold_after is not None and len(self.received) == self.hold_after + 1
        if hold:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
        return "250 Message accepted for delivery"


class SmtpSink:
    """``tls_context`` makes it offer STARTTLS (``require_starttls``: it refuses mail before the upgrade);
    ``implicit_tls`` makes it speak TLS from the first byte."""

    def __init__(
        self, port: int, tls_context: ssl.SSLContext | None = None, implicit_tls: ssl.SSLContext | None = None
    ) -> None:
        self.handler = _Handler()
        extra: dict[str, Any] = {"tls_context": tls_context, "require_starttls": True} if tls_context else {}
        if implicit_tls is not None:
            extra["ssl_context"] = implicit_tls  # TLS from the first byte (SMTPS, port 465 style)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port, **extra)
        self.port = port

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.release.set()  # a held reply must not keep the server's loop from stopping
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]
