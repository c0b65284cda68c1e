"""``dailypapers config``: what can be configured."""

from __future__ import annotations

import typer

from dailypapers.config import settings_documentation

app = typer.Typer(help="Configuration reference.", no_args_is_help=True)


@app.command("docs")
def docs() -> None:
    """Print the settings reference (the source of docs/configuration.md)."""
    typer.echo(settings_documentation(), nl=False)
