"""Settings: declared data with help text, read from ``DAILYPAPERS_*`` environment variables.

``docs/configuration.md`` is generated from this class (``dailypapers config docs``) and a test keeps the two in
step, so every setting an operator can use is documented where they look for it.
"""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

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
        description="How long a write to SQLite waits for the write lock, in milliseconds, in all: queueing behind "
        "the other writers of this process and then behind other processes share this one deadline. Past it the "
        "site answers 503 (busy, retry) and nothing is written.",
    )
    db_connect_timeout_seconds: int = Field(
        default=5,
        ge=1,
        description="PostgreSQL: how long opening a connection may take, in seconds (libpq counts at least 2).",
    )
    db_statement_timeout_seconds: float = Field(
        default=30.0,
        ge=0,
        description="PostgreSQL: the longest statement of the web site, in seconds; the server cancels it and the "
        "visitor gets a 503. The client also gives up on a connection whose server sends nothing for 2 s longer "
        "(a stopped server cannot cancel). 0: no limit. Commands, workers and migrations use "
        "DAILYPAPERS_DB_JOB_STATEMENT_TIMEOUT_SECONDS instead.",
    )
    db_job_statement_timeout_seconds: float = Field(
        default=0.0,
        ge=0,
        description="PostgreSQL: the longest statement of commands, workers, background jobs and migrations, in "
        "seconds (building a vector index may take minutes). 0: no limit.",
    )
    db_pool_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a request waits for a free connection of the pool before a 503, in seconds.",
    )
    db_keepalives_idle_seconds: int = Field(
        default=30,
        ge=1,
        description="PostgreSQL: idle seconds before TCP keepalive probes start (finds dead idle connections).",
    )
    db_keepalives_interval_seconds: int = Field(
        default=10, ge=1, description="PostgreSQL: seconds between two TCP keepalive probes."
    )
    db_keepalives_count: int = Field(
        default=3, ge=1, description="PostgreSQL: unanswered keepalive probes after which a connection is dead."
    )
    db_tcp_user_timeout_seconds: float = Field(
        default=30.0,
        ge=0,
        description="PostgreSQL: how long sent data may stay unacknowledged before the connection is dropped, in "
        "seconds (libpq `tcp_user_timeout`: ends a request whose server vanished from the network). 0: the "
        "system's default (about 15 minutes).",
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
    hf_mirror: bool = Field(
        default=True,
        description="Mirror Hugging Face Daily Papers: the `hf-daily` job (in `serve` and `worker`) syncs each "
        "day's list once the day has closed (UTC), catches up on missed days and refreshes recent days' upvotes.",
    )
    hf_mirror_catchup_days: int = Field(
        default=7,
        ge=1,
        le=366,
        description="How many closed days back the `hf-daily` job syncs when it has missed some (a stopped "
        "server); older days are left to `dailypapers ingest hf --from`.",
    )
    hf_delay_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Minimum seconds between two requests to Hugging Face by the mirror job. 0 only for local mirrors.",
    )
    feed_community_upvotes: int = Field(
        default=3,
        ge=0,
        description="Local upvotes that put a paper not yet on the daily feed onto it (origin `community`), so a "
        "community curates its own feed from what it reads. Hugging Face's count does not count. 0 turns it off.",
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
        default=0,
        ge=0,
        le=256,
        description="onnxruntime threads (intra-op) per process for the bundled model. 0: the core count divided by "
        "the 2 processes that may embed at once on one machine (serve and a worker, or two workers), at least 1. "
        "onnxruntime's own default, every core in every process, oversubscribes: two processes then embed at ~50 % "
        "of one (benchmarks/embedding_threads.py). Raise it where one process embeds alone.",
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
    confirm_link_hours: float = Field(
        default=48.0, gt=0, description="How long a sign-up confirmation link works, in hours."
    )
    reset_link_hours: float = Field(
        default=2.0, gt=0, description="How long a password reset link works, in hours (it also stops after use)."
    )
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

    @model_validator(mode="before")
    @classmethod
    def _smtp_host_implies_smtp(cls, data: Any) -> Any:
        """DAILYPAPERS_SMTP_HOST without DAILYPAPERS_EMAIL_BACKEND means SMTP: with the console default,
        `digest send` reported mails as sent that only went to the log. An explicit backend always wins."""
        if isinstance(data, dict) and data.get("smtp_host") and data.get("email_backend") in (None, ""):
            return {**data, "email_backend": "smtp"}
        return data

    @model_validator(mode="after")
    def _embedder_needs_url(self) -> Self:
        if self.embedder == "openai" and not self.embedding_url.strip():
            raise ValueError(
                "DAILYPAPERS_EMBEDDER=openai needs DAILYPAPERS_EMBEDDING_URL, the base URL of an OpenAI-compatible "
                "embeddings server (e.g. http://127.0.0.1:8080/v1); or set DAILYPAPERS_EMBEDDER=minilm"
            )
        return self

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

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _parse_proxies(cls, value: str) -> str:
        networks = []
        for item in (item.strip() for item in value.split(",")):
            if not item:
                continue
            try:
                network = ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an IP address or CIDR network such as 10.0.0.0/8: {item!r}") from exc
            # Canonical form (10.1.2.3/8 -> 10.0.0.0/8, a lone address without /32), which uvicorn parses as is.
            networks.append(str(network.network_address) if network.num_addresses == 1 else str(network))
        return ",".join(networks)

    @field_validator("database_url")
    @classmethod
    def _explicit_database(cls, value: str | None) -> str | None:
        """A PostgreSQL URL must name its host and database: libpq fills in what is missing from $PGHOST,
        $PGDATABASE and its defaults, so ``postgres://`` once migrated a database nobody meant to touch."""
        if not value:
            return value
        scheme = value.partition("://")[0] if "://" in value else ""
        if scheme.startswith("sqlite"):
            return value
        if scheme not in ("postgres", "postgresql") and not scheme.startswith("postgresql+"):
            raise ValueError(
                "DAILYPAPERS_DATABASE_URL must start with postgresql:// or sqlite:///, as in "
                "postgresql://user@db.example.org/dailypapers"
            )
        parts = urlsplit(value)
        query = parse_qs(parts.query)
        missing = [
            what
            for what, present in (
                ("a host", parts.netloc.rpartition("@")[2].strip() or query.get("host")),
                ("a database name", parts.path.strip("/") or query.get("dbname")),
            )
            if not present
        ]
        if missing:
            raise ValueError(
                f"DAILYPAPERS_DATABASE_URL names no {' and no '.join(w.removeprefix('a ') for w in missing)}: "
                "give both the host and the database, as in postgresql://user@db.example.org/dailypapers "
                "(a unix socket: postgresql://user@/dailypapers?host=/var/run/postgresql)"
            )
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


# Settings whose value must never be repeated in an error message.
_SECRET_FIELDS = frozenset(
    {"secret_key", "smtp_password", "embedding_api_key", "metrics_token", "redis_url", "mcp_token"}
)
CONFIG_ERRORS = (ValidationError, SettingsError)


def describe_config_error(exc: ValidationError | SettingsError) -> list[str]:
    """One line per wrong setting, naming its variable, what is wrong and how to fix it: what the CLI and the
    server print instead of a traceback of a few hundred lines."""
    if not isinstance(exc, ValidationError):
        return [str(exc).splitlines()[0]]
    lines = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        field = error["loc"][0] if error["loc"] else None
        if isinstance(field, str) and field in Settings.model_fields:
            variable = f"DAILYPAPERS_{field.upper()}"
            given = error.get("input")
            # Our own validators quote the value; pydantic's type errors ("should be a valid integer") do not.
            if error["type"] != "value_error" and isinstance(given, str) and field not in _SECRET_FIELDS:
                message += f" (got {given!r})"
            if not message.startswith(variable):
                message = f"{variable}: {message}"
        lines.append(message)
    return lines
