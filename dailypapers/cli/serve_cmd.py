"""``dailypapers serve``: the web site."""

from __future__ import annotations

import typer
import uvicorn

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.migrations import is_up_to_date, upgrade


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    access_log: bool = typer.Option(
        True, help="Log every request (turn off for benchmarks or behind a proxy that logs)."
    ),
    migrate: bool = typer.Option(
        True, help="Apply pending migrations first (SQLite only; run `db upgrade` for PostgreSQL)."
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
    typer.echo(f"serving {settings.site_name} on http://{host}:{port}")
    uvicorn.run(
        create_app(settings, run_scheduler=True),
        host=host,
        port=port,
        log_level="info",
        proxy_headers=True,
        access_log=access_log,
    )
