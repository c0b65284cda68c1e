"""``dailypapers db``: schema migrations."""

from __future__ import annotations

import typer

from dailypapers.config import Settings
from dailypapers.migrations import current_revision, upgrade

app = typer.Typer(help="Database schema commands.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = Settings()
    upgrade(settings, revision)
    typer.echo(f"database at revision {current_revision(settings)} ({_where(settings)})")


@app.command("current")
def current_cmd() -> None:
    """Print the database's current revision."""
    settings = Settings()
    typer.echo(current_revision(settings) or "(empty database)")


def _where(settings: Settings) -> str:
    url = settings.sqlalchemy_url
    return url.split("@")[-1] if "@" in url else url
