"""Settings: the web site: identity, sessions, the page cache, limits on what members may do.

One part of ``dailypapers.config.Settings``, which mixes them all; each field is ``DAILYPAPERS_<NAME>``.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Self
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

# A development-only key: production refuses to start with it (DESIGN §5 rule 9).
INSECURE_DEV_SECRET_KEY = "dailypapers-development-secret-key-do-not-use-in-production"  # noqa: S105


class Environment(StrEnum):
    development = "development"
    production = "production"


def canonical_networks(value: str) -> str:
    """A comma-separated list of IP addresses or CIDR networks, checked and in canonical form (10.1.2.3/8 ->
    10.0.0.0/8, a lone address without /32), which uvicorn parses as is."""
    networks = []
    for item in (item.strip() for item in value.split(",")):
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise ValueError(f"not an IP address or CIDR network such as 10.0.0.0/8: {item!r}") from exc
        networks.append(str(network.network_address) if network.num_addresses == 1 else str(network))
    return ",".join(networks)


class SiteSettings(BaseSettings):
    """The web site: identity, sessions, the page cache, limits on what members may do."""

    env: Environment = Field(
        default=Environment.development,
        description="`development` or `production`. Production refuses insecure defaults (the secret key).",
    )
    secret_key: str = Field(
        default=INSECURE_DEV_SECRET_KEY,
        description="Key that signs cookies and tokens. Must be set (32+ characters) in production.",
    )
    site_name: str = Field(default="Daily Papers", description="Name shown in page titles and feeds.")
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public URL of the site, used for absolute links in feeds and e-mails.",
    )
    page_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long a process keeps anonymous public pages (listings, paper pages, feeds, the daily "
        "API) in memory, in seconds. 0 turns the cache off. Logged-in requests always bypass it.",
    )
    page_cache_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Most memory the page cache of one process may hold, in bytes (pages, headers and keys; "
        "least recently used out first; a listing of 50 papers is ~100-300 KB). 0 turns the cache off.",
    )
    page_size: int = Field(default=50, ge=1, le=500, description="Papers per page on week and month listings.")
    session_days: int = Field(
        default=30, ge=1, le=400, description="How long a login lasts, in days (logging out ends it at once)."
    )
    confirm_link_hours: float = Field(
        default=48.0, gt=0, description="How long a sign-up confirmation link works, in hours."
    )
    reset_link_hours: float = Field(
        default=2.0, gt=0, description="How long a password reset link works, in hours (it also stops after use)."
    )
    rate_limit_login: str = Field(
        default="10/minute;50/hour",
        description="Log-in attempts allowed per client address and, separately, per account (its username and "
        "e-mail count together). Past the account's limit only browsers that logged in to it before are heard; "
        'others get the ordinary "do not match" answer, so the limit reveals nothing and locks no owner out.',
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated IP addresses or CIDR networks of reverse proxies whose `X-Forwarded-For` and "
        "`X-Forwarded-Proto` headers are believed (e.g. `127.0.0.1,10.0.0.0/8`). Empty: none, so rate limits key "
        "on the connection's own address and a client cannot choose its address by sending the header. "
        "`dailypapers serve` hands this to uvicorn (uvicorn's own `FORWARDED_ALLOW_IPS` is not used).",
    )
    rate_limit_signup: str = Field(default="5/hour", description="Sign-ups allowed per client address.")
    rate_limit_reset: str = Field(
        default="5/hour", description="Password reset requests allowed per client address and per e-mail address."
    )
    rate_limit_submit: str = Field(default="30/hour", description="Paper submissions allowed per user.")
    rate_limit_comment: str = Field(default="10/minute;100/day", description="Comments allowed per user.")
    submission_max_age_days: int = Field(
        default=14,
        ge=0,
        description="Members may submit papers whose first version is at most this many days old (curators: any).",
    )
    submission_daily_limit: int = Field(
        default=5, ge=0, description="Papers one member may put on the feed per day (curators: no limit)."
    )
    comment_max_chars: int = Field(default=10_000, ge=1, description="Longest comment accepted, in characters.")
    rate_limit_subscribe: str = Field(default="5/hour", description="Digest subscriptions allowed per client address.")
    mcp_token: str | None = Field(
        default=None,
        description="`dailypapers mcp` (stdio): the personal API token (`dp_…`) the local agent acts with; its "
        "owner's read-only tokens cannot save, dismiss or upvote. `--user NAME` instead acts as a user directly.",
    )

    @field_validator("base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        # Every link in feeds and e-mails starts with it: a relative or schemeless value makes all of them dead.
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                f"not an absolute http(s) URL: {value!r}; set it to the site's public address, "
                "as in https://papers.example.org"
            )
        return value.strip().rstrip("/")

    @field_validator(
        "rate_limit_login",
        "rate_limit_signup",
        "rate_limit_reset",
        "rate_limit_submit",
        "rate_limit_comment",
        "rate_limit_subscribe",
    )
    @classmethod
    def _parse_limits(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '10/minute;50/hour': {value!r}") from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _parse_proxies(cls, value: str) -> str:
        return canonical_networks(value)

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Self:
        if self.env is Environment.production and (
            self.secret_key == INSECURE_DEV_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ValueError(
                "DAILYPAPERS_SECRET_KEY must be set to a random value of at least 32 characters "
                "when DAILYPAPERS_ENV=production"
            )
        return self
