"""The ``dailypapers`` command (typer); one module per command group."""

from __future__ import annotations

import sys

import typer

from dailypapers.cli import (
    backup_cmd,
    config_cmd,
    db_cmd,
    digest_cmd,
    doctor_cmd,
    import_cmd,
    ingest_cmd,
    mcp_cmd,
    search_cmd,
    serve_cmd,
    subscribers_cmd,
    users_cmd,
    webhooks_cmd,
    worker_cmd,
)
from dailypapers.config import CONFIG_ERRORS, describe_config_error

# A setting that cannot be used is an operator's mistake, not a bug: one line each, then exit 2 (usage error).
CONFIG_ERROR_EXIT_CODE = 2

app = typer.Typer(
    name="dailypapers",
    help="A self-hostable research-paper discovery platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db_cmd.app, name="db")
db_cmd.app.command("backup")(backup_cmd.backup)
db_cmd.app.command("restore")(backup_cmd.restore)
app.add_typer(import_cmd.app, name="import")
app.add_typer(ingest_cmd.app, name="ingest")
app.add_typer(config_cmd.app, name="config")
app.add_typer(users_cmd.app, name="users")
app.add_typer(digest_cmd.app, name="digest")
app.add_typer(subscribers_cmd.app, name="subscribers")
app.add_typer(webhooks_cmd.app, name="webhooks")
app.command("worker")(worker_cmd.worker)
app.command("search")(search_cmd.search)
app.add_typer(search_cmd.index_app, name="index")
app.command("serve")(serve_cmd.serve)
app.command("doctor")(doctor_cmd.doctor)
app.command("mcp")(mcp_cmd.mcp)


def main() -> None:
    try:
        app()
    except CONFIG_ERRORS as exc:
        for line in describe_config_error(exc):
            print(f"error: {line}", file=sys.stderr)
        raise SystemExit(CONFIG_ERROR_EXIT_CODE) from None
