"""Settings: outgoing e-mail and the digests.

One part of ``dailypapers.config.Settings``, which mixes them all; each field is ``DAILYPAPERS_<NAME>``.
"""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings


class MailSettings(BaseSettings):
    """Outgoing e-mail and the digests."""

    email_backend: Literal["console", "smtp"] = Field(
        default="console",
        description="How e-mail (confirmations, resets, digests) leaves the site. `console`: written to the log, "
        "for development. `smtp`: through DAILYPAPERS_SMTP_HOST. Left unset, setting DAILYPAPERS_SMTP_HOST "
        "chooses `smtp` (an operator who names a mail server means to use it).",
    )
    smtp_host: str = Field(default="localhost", description="SMTP server for outgoing mail.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port (587 submission, 465 TLS, 25 relay).")
    smtp_user: str = Field(default="", description="SMTP user name; empty: no authentication.")
    smtp_password: str = Field(default="", description="SMTP password.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="`starttls` (upgrade a plain connection; refuses to send if the server cannot), `tls` "
        "(TLS from the first byte, usually port 465) or `none` (plaintext: only for a relay on the same machine).",
    )
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, description="Timeout of one SMTP conversation step.")
    email_from: str = Field(
        default="Daily Papers <noreply@localhost>", description="From address of the e-mails the site sends."
    )
    digest_hour: int = Field(
        default=7, ge=0, le=23, description="Hour of the day (DAILYPAPERS_DIGEST_TIMEZONE) when digests go out."
    )
    digest_timezone: str = Field(default="UTC", description="Time zone of the digest hour and weekday (IANA name).")
    digest_weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = Field(
        default="monday", description="Day the weekly digest (of the week before) goes out."
    )
    digest_skip_weekends: bool = Field(
        default=True, description="No daily digest for Saturdays and Sundays (arXiv announces nothing on them)."
    )
    digest_size: int = Field(default=10, ge=1, le=100, description="Trending papers in one digest.")
    digest_send_rate: float = Field(
        default=10.0, ge=0, description="Most digests sent per second (0: no limit); keeps within a provider's quota."
    )
    digest_max_attempts: int = Field(
        default=5, ge=1, description="Tries for one digest on temporary SMTP failures (backoff doubles from 1 minute)."
    )
    digest_bounce_limit: int = Field(
        default=3, ge=1, description="Permanent failures (bounces) in a row after which a subscription is paused."
    )

    @model_validator(mode="before")
    @classmethod
    def _smtp_host_implies_smtp(cls, data: Any) -> Any:
        """DAILYPAPERS_SMTP_HOST without DAILYPAPERS_EMAIL_BACKEND means SMTP: with the console default,
        `digest send` reported mails as sent that only went to the log. An explicit backend always wins."""
        if isinstance(data, dict) and data.get("smtp_host") and data.get("email_backend") in (None, ""):
            return {**data, "email_backend": "smtp"}
        return data

    @field_validator("digest_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)") from exc
        return value
