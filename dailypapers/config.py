"""Settings: declared data with help text, read from ``DAILYPAPERS_*`` environment variables.

``docs/configuration.md`` is generated from this class (``dailypapers config docs``) and a test keeps the two in
step, so every setting an operator can use is documented where they look for it.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A development-only key: production refuses to start with it (DESIGN §5 rule 9).
INSECURE_DEV_SECRET_KEY = "dailypapers-development-secret-key-do-not-use-in-production"  # noqa: S105


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "dailypapers"


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    """Everything an operator can configure. Each field becomes ``DAILYPAPERS_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DAILYPAPERS_", extra="ignore", frozen=True)

    env: Environment = Field(
        default=Environment.development,
        description="`development` or `production`. Production refuses insecure defaults (the secret key).",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Directory for the SQLite database and other local state. Created when missing. "
        "Default: `$XDG_DATA_HOME/dailypapers` (`~/.local/share/dailypapers`); `make run` uses `./var`.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy database URL. Empty: a SQLite file `dailypapers.sqlite3` in the data directory. "
        "`postgresql://user@host/db` uses PostgreSQL (through psycopg 3).",
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
    sqlite_busy_timeout_ms: int = Field(
        default=5000,
        ge=0,
        description="How long a SQLite connection waits for the write lock before failing, in milliseconds.",
    )
    page_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long a process keeps anonymous public pages (listings, paper pages, feeds, the daily "
        "API) in memory, in seconds. 0 turns the cache off. Logged-in requests always bypass it.",
    )
    page_size: int = Field(default=50, ge=1, le=500, description="Papers per page on week and month listings.")

    arxiv_api_url: str = Field(
        default="https://export.arxiv.org/api/query", description="arXiv API endpoint (Atom search and id lookup)."
    )
    arxiv_oai_url: str = Field(default="https://oaipmh.arxiv.org/oai", description="arXiv OAI-PMH endpoint.")
    hf_url: str = Field(default="https://huggingface.co", description="Hugging Face base URL (daily papers API).")
    arxiv_delay_seconds: float = Field(
        default=3.0,
        ge=0,
        description="Minimum seconds between two requests to arXiv (its politeness rule). 0 only for local mirrors.",
    )
    contact_email: str = Field(
        default="",
        description="Contact address sent in the User-Agent to arXiv and Hugging Face, as arXiv asks of harvesters.",
    )
    http_timeout_seconds: float = Field(default=60.0, gt=0, description="Timeout of one HTTP request to a source.")
    http_max_response_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Largest response accepted from a source, in bytes (an OAI page of 1,000 records is ~2 MB).",
    )
    harvest_categories: str = Field(
        default="cs.LG cs.CL cs.CV stat.ML",
        description="arXiv categories the scheduled harvest keeps (space-separated). Empty turns the harvest off.",
    )
    scheduler: bool = Field(
        default=True,
        description="Run background jobs (the daily arXiv harvest) inside `dailypapers serve`. Turn off when "
        "`dailypapers worker` processes run them.",
    )

    embedder: Literal["minilm", "openai"] = Field(
        default="minilm",
        description="`minilm`: all-MiniLM-L6-v2 on onnxruntime, bundled, offline. `openai`: an OpenAI-compatible "
        "`/embeddings` endpoint (DAILYPAPERS_EMBEDDING_URL, _MODEL, _DIM, _API_KEY). Changing it re-embeds all papers.",
    )
    embedding_url: str = Field(default="", description="Base URL of the OpenAI-compatible embeddings server.")
    embedding_model: str = Field(default="", description="Model name sent to the embeddings server.")
    embedding_dim: int = Field(default=384, ge=1, le=8192, description="Dimensions of that model's vectors.")
    embedding_api_key: str = Field(default="", description="Bearer token for the embeddings server, if it needs one.")
    embedding_threads: int = Field(
        default=0, ge=0, description="onnxruntime threads for the bundled model (0: one per core)."
    )

    vector_ann_threshold: int = Field(
        default=50_000,
        ge=1,
        description="From this many vectors on, semantic search uses a faiss IVF index instead of an exact scan "
        "(exact: ~4 ms per query at 100k, ~40 ms at 1M on 2 cores; IVF: 0.2-0.7 ms). PostgreSQL with pgvector uses "
        "HNSW instead.",
    )
    vector_nprobe: int = Field(
        default=32, ge=1, le=4096, description="IVF lists scanned per query (higher: better recall, slower)."
    )
    search_rrf_k: int = Field(
        default=60,
        ge=1,
        le=1000,
        description="Reciprocal-rank fusion constant of hybrid search: score = sum of 1/(k + rank). Larger k "
        "flattens the advantage of top ranks.",
    )

    session_days: int = Field(
        default=30, ge=1, le=400, description="How long a login lasts, in days (logging out ends it at once)."
    )
    email_backend: Literal["console", "smtp"] = Field(
        default="console",
        description="How e-mail (confirmations, resets, digests) leaves the site. `console`: written to the log, "
        "for development. `smtp`: through DAILYPAPERS_SMTP_HOST.",
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
    confirm_link_hours: float = Field(
        default=48.0, gt=0, description="How long a sign-up confirmation link works, in hours."
    )
    reset_link_hours: float = Field(
        default=2.0, gt=0, description="How long a password reset link works, in hours (it also stops after use)."
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where rate-limit counters live, as a `limits` storage URI. `memory://` counts per process; "
        "with several web processes use a shared store such as `redis://127.0.0.1:6379` (needs the `redis` package).",
    )
    rate_limit_login: str = Field(
        default="10/minute;50/hour",
        description="Log-in attempts allowed per client address and, separately, per account name.",
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

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

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

    @field_validator("digest_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)") from exc
        return value

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

    @property
    def sqlalchemy_url(self) -> str:
        """The URL handed to SQLAlchemy: plain ``postgresql://`` is mapped to the psycopg 3 driver."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'dailypapers.sqlite3'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def category_list(self) -> list[str]:
        return self.harvest_categories.split()

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")


def settings_documentation() -> str:
    """Markdown reference of every setting, generated from the field declarations."""
    lines = [
        "# Configuration",
        "",
        "Generated from `dailypapers/config.py` by `dailypapers config docs`; do not edit by hand.",
        "Every setting is an environment variable.",
        "",
        "| variable | default | description |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default: Any
        if field.default_factory is not None:
            default = "(computed)"
        else:
            default = field.default
            if isinstance(default, StrEnum):
                default = default.value
            if default == INSECURE_DEV_SECRET_KEY:
                default = "(insecure development key)"
        shown = "" if default is None else f"`{default}`"
        lines.append(f"| `DAILYPAPERS_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines) + "\n"
