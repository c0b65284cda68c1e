"""Sending through an SMTP server (stdlib smtplib), with the connection security the operator chose and never
less: ``starttls`` refuses to go on in plaintext when the server does not offer STARTTLS.

Failures are sorted for the outbox: ``TemporaryFailure`` (4xx answers, dropped connections, timeouts: retry
later), ``PermanentFailure`` (5xx for this recipient: a bounce), ``SmtpConfigError`` (authentication, TLS or
connection refused outright: stop the run, an operator must act).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from types import TracebackType

from dailypapers.config import Settings


class SmtpConfigError(RuntimeError):
    """The server cannot be used as configured; nothing more should be tried until an operator acts."""


class TemporaryFailure(RuntimeError):
    pass


class PermanentFailure(RuntimeError):
    pass


def _classify(exc: Exception) -> Exception:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        text = f"{code} {reply.decode(errors='replace')}"
        return PermanentFailure(text) if code >= 500 else TemporaryFailure(text)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpConfigError(f"the SMTP server refused the login: {exc.smtp_code} {exc.smtp_error!r}")
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = f"{exc.smtp_code} {error.decode(errors='replace') if isinstance(error, bytes) else error}"
        return PermanentFailure(text) if exc.smtp_code >= 500 else TemporaryFailure(text)
    if isinstance(exc, smtplib.SMTPServerDisconnected | TimeoutError | socket.timeout | ConnectionResetError):
        return TemporaryFailure(f"connection lost: {exc}")
    if isinstance(exc, ssl.SSLError):
        return SmtpConfigError(f"TLS with the SMTP server failed: {exc}")
    if isinstance(exc, OSError):
        return TemporaryFailure(f"cannot reach the SMTP server: {exc}")
    return exc


class SmtpSender:
    """One connection, opened on first use and reused for every message until ``close``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{s.smtp_host}:{s.smtp_port}"
        try:
            if s.smtp_security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            smtp.ehlo()
            if s.smtp_security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise SmtpConfigError(
                        f"the SMTP server {where} does not offer STARTTLS, and DAILYPAPERS_SMTP_SECURITY=starttls "
                        "forbids sending in plaintext (use `none` only for a relay on this machine)"
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except SmtpConfigError:
            raise
        except ConnectionRefusedError as exc:
            raise SmtpConfigError(f"the SMTP server {where} refused the connection: {exc}") from exc
        except Exception as exc:
            raise _classify(exc) from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except Exception as exc:
            if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                self.close()  # reconnect on the next message
            elif isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException):
                self._reset()
            raise _classify(exc) from exc

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None
