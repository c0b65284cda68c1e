"""Settings: running several processes: shared state in Redis, metrics, logs.

One part of ``dailypapers.config.Settings``, which mixes them all; each field is ``DAILYPAPERS_<NAME>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from dailypapers.config.site import canonical_networks


class OpsSettings(BaseSettings):
    """Running several processes: shared state in Redis, work claims, metrics, logs."""

    rate_limit_storage: str = Field(
        default="memory://",
        description="Where rate-limit counters live, as a `limits` storage URI. `memory://` counts per process; "
        "DAILYPAPERS_REDIS_URL, when set, replaces this `memory://` default (a limit then holds across processes).",
    )
    redis_url: str = Field(
        default="",
        description="Redis shared by every web process and worker (`redis://127.0.0.1:6379/0`). Set: rate-limit "
        "counters live there, so a limit holds across processes and hosts, and `/readyz` checks it. Empty: "
        "counters are per process (DAILYPAPERS_RATE_LIMIT_STORAGE).",
    )
    redis_key_prefix: str = Field(
        default="dailypapers",
        min_length=1,
        description="Prefix of every Redis key the site writes (lets several sites or test runs share one Redis).",
    )
    metrics_token: str = Field(
        default="",
        description="Bearer token that `GET /metrics` requires (`Authorization: Bearer <token>`). Empty: "
        "`/metrics` answers only the addresses of DAILYPAPERS_METRICS_ALLOW.",
    )
    metrics_allow: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses or CIDR networks allowed to read `GET /metrics` without a token "
        "(the connection's address, after DAILYPAPERS_TRUSTED_PROXIES). Empty: a token is always required.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`text` (one readable line per event) or `json` (one JSON object per line, with the request "
        "id, for a log collector). Each request's id comes from a sane incoming `X-Request-ID` or is made "
        "up, and is sent back in the `X-Request-ID` response header.",
    )

    work_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How long a worker's claim on a batch (papers to embed or enrich, digests and webhook posts "
        "to send) lasts before another worker may take it over: longer than one batch takes (64 papers: ~3 s "
        "on 2 cores), short enough that a dead worker's batch is soon picked up. Claims are renewed while "
        "their batch runs; a dead worker's claims on the same machine go at once.",
    )

    @field_validator("metrics_allow")
    @classmethod
    def _parse_allowed(cls, value: str) -> str:
        return canonical_networks(value)
