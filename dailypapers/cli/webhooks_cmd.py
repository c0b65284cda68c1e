"""``dailypapers webhooks``: add, list, remove and test chat webhooks, or post a feed day now."""

from __future__ import annotations

import datetime as dt

import typer

from dailypapers.cli.common import database, fail, out, say
from dailypapers.config import Settings
from dailypapers.db import utcnow
from dailypapers.webhooks import services
from dailypapers.webhooks.outbox import compose, drain, due_day, send_test
from dailypapers.webhooks.transport import HttpPoster, PermanentFailure, TemporaryFailure

app = typer.Typer(help="Chat webhooks (Slack, Discord, Matrix, Mattermost, signed JSON).", no_args_is_help=True)


@app.command("add")
def add(
    service: str = typer.Option(..., "--service", help="slack, discord, matrix, mattermost or generic."),
    url: str = typer.Option(..., "--url", help="The incoming-webhook URL (Matrix: the room's send endpoint)."),
    name: str = typer.Option(..., "--name", help="The channel's name, as shown on the settings page."),
    top: int = typer.Option(10, "--top", help="Papers per post (Discord: at most 10)."),
    category: list[str] = typer.Option([], "--category", help="Only these arXiv categories or archives."),
    secret: str | None = typer.Option(
        None, "--secret", help="generic: the HMAC key (default: a random one, printed); matrix: the access token."
    ),
) -> None:
    """Add a webhook; it posts from the next due day on."""
    settings = Settings()
    db = database(settings)
    try:
        with db.write() as session:
            webhook = services.add(
                session, name=name, service=service, url=url, top_n=top, categories=" ".join(category), secret=secret
            )
            webhook_id, kind, generated = webhook.id, webhook.service, webhook.secret
    except services.WebhookRefused as exc:
        raise fail(str(exc)) from None
    finally:
        db.dispose()
    say(out, f"webhook {webhook_id} added ({kind})")
    if kind == "generic" and secret is None:
        say(out, f"signing secret: {generated}")


@app.command("list")
def list_webhooks() -> None:
    """One line per webhook: id, service, name, host, top N, categories, state."""
    settings = Settings()
    db = database(settings)
    try:
        with db.read() as session:
            for w in services.all_webhooks(session):
                state = "enabled" if w.enabled else f"disabled: {w.disabled_reason or ''}"
                line = [str(w.id), w.service, w.name, services.shown_url(w.url), str(w.top_n), w.categories or "-"]
                typer.echo("\t".join([*line, state]))  # tab-separated, for scripts
    finally:
        db.dispose()


@app.command("remove")
def remove(webhook_id: int = typer.Argument(..., help="The id `webhooks list` shows.")) -> None:
    """Delete a webhook and its delivery history."""
    settings = Settings()
    db = database(settings)
    try:
        with db.write() as session:
            services.remove(session, webhook_id)
    except services.NoSuchWebhook as exc:
        raise fail(str(exc)) from None
    finally:
        db.dispose()
    say(out, f"webhook {webhook_id} removed")


@app.command("test")
def test(webhook_id: int = typer.Argument(..., help="The id `webhooks list` shows.")) -> None:
    """Post the latest feed day's top papers to one webhook now (not recorded; failures do not count)."""
    settings = Settings()
    db = database(settings)
    try:
        with HttpPoster(settings) as poster:
            say(out, send_test(db, settings, webhook_id, poster))
    except LookupError as exc:
        raise fail(str(exc)) from None
    except (TemporaryFailure, PermanentFailure) as exc:
        raise fail(f"the webhook answered: {exc}") from None
    finally:
        db.dispose()


@app.command("send")
def send(
    date: str | None = typer.Option(None, "--date", help="The feed day to post (default: the latest due)."),
) -> None:
    """Compose a feed day's posts (once per webhook, whatever happens) and post what is pending."""
    settings = Settings()
    try:
        day = dt.date.fromisoformat(date) if date else due_day(utcnow(), settings)
    except ValueError:
        raise fail(f"--date {date!r} is not a date like 2026-11-25") from None
    db = database(settings)
    try:
        say(out, f"{day}: {compose(db, settings, day)}")
        with HttpPoster(settings) as poster:
            result = drain(db, settings, poster, day)
    finally:
        db.dispose()
    say(out, str(result))
    if result.failed:
        raise typer.Exit(1)
