"""Settings: delivery beyond e-mail (chat webhooks).

One part of ``dailypapers.config.Settings``, which mixes them all; each field is ``DAILYPAPERS_<NAME>``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class DeliverySettings(BaseSettings):
    """Delivery beyond e-mail: chat webhooks."""

    webhook_hour: int = Field(
        default=7,
        ge=0,
        le=23,
        description="Hour of the day (DAILYPAPERS_DIGEST_TIMEZONE) after which chat webhooks post the previous "
        "feed day's top papers (once the day has papers on the feed).",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Longest wait for a webhook endpoint to answer one request."
    )
    webhook_max_attempts: int = Field(
        default=5,
        ge=1,
        description="Tries for one webhook post on temporary failures (timeouts, 5xx, 429; backoff doubles "
        "from 1 minute).",
    )
    webhook_disable_after: int = Field(
        default=5,
        ge=1,
        description="Failed attempts in a row after which a webhook is disabled (the reason is shown on "
        "/settings/webhooks, where a curator enables it again).",
    )
