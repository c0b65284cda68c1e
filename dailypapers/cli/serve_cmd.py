"""``dailypapers serve``: the web site."""

from __future__ import annotations

import typer
import uvicorn

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.migrations import is_up_to_date, upgrade
from dailypapers.ops.logs import configure, log_config
from dailypapers.web.shared_state import warn_if_per_process


def proxy_options(settings: Settings) -> dict[str, object]:
    """uvicorn's forwarded-header handling, from DAILYPAPERS_TRUSTED_PROXIES only. uvicorn on its own believes
    ``X-Forwarded-For`` from 127.0.0.1 (or $FORWARDED_ALLOW_IPS), so any local process, or a proxy that passes
    the header through unchanged, could pick the address rate limits key on."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    access_log: bool = typer.Option(
        True, help="Log every request (turn off for benchmarks or behind a proxy that logs)."
    ),
    migrate: bool = typer.Option(
        True, help="Apply pending migrations first (SQLite only; run `db upgrade` for PostgreSQL)."
    ),
    workers: int = typer.Option(
        1,
        min=1,
        max=64,
        help="Web processes. More than one uses more cores for pages that cannot come from the page cache "
        "(logged-in members); each has its own page cache and, unless DAILYPAPERS_RATE_LIMIT_STORAGE is "
        "shared, its own rate-limit counters. Background jobs stay single (locks).",
    ),
) -> None:
    """Serve the site (embedded mode: one process, SQLite by default)."""
    settings = Settings()
    if not is_up_to_date(settings):
        if migrate and settings.is_sqlite:
            upgrade(settings)
        else:
            typer.echo("error: the database schema is not up to date; run `dailypapers db upgrade`", err=True)
            raise typer.Exit(1)
    typer.echo(f"serving {settings.site_name} on http://{host}:{port} ({workers} process{'es' if workers > 1 else ''})")
    configure(settings.log_format)
    warn_if_per_process(settings, workers)  # here, in the parent: one warning, not one per process
    common = {
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": access_log,
        "log_config": log_config(settings.log_format),
        **proxy_options(settings),
    }
    if workers == 1:
        uvicorn.run(create_app(settings, run_scheduler=True), **common)  # type: ignore[arg-type]
    else:
        # Each worker process builds its own app (uvicorn imports the factory by name).
        uvicorn.run("dailypapers.app:create_served_app", factory=True, workers=workers, **common)  # type: ignore[arg-type]
