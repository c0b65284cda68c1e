"""``dailypapers digest``: preview a subscriber's digest, or compose and send a period's digests now."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

import typer
from sqlalchemy import func, select

from dailypapers.cli.common import database, err, fail, out, progress, say
from dailypapers.config import Settings
from dailypapers.db import utcnow
from dailypapers.digests import subscriptions
from dailypapers.digests.compose import PeriodDigests
from dailypapers.digests.models import Frequency, OutboxMessage, OutboxStatus
from dailypapers.digests.outbox import compose, drain
from dailypapers.digests.schedule import DigestPeriod, covering, latest_due
from dailypapers.email.interfaces import ConsoleSender
from dailypapers.email.smtp import SmtpConfigError, SmtpSender
from dailypapers.personal.digest_sections import FollowsAndSearches
from dailypapers.personal.services import ModelPersonalizer

app = typer.Typer(help="E-mail digests: preview one, or send a period's digests now.", no_args_is_help=True)


def _period(settings: Settings, frequency: Frequency, date: str | None) -> DigestPeriod:
    if date is not None:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise fail(f"--date {date!r} is not a date like 2026-11-25") from None
        return covering(frequency, day)
    period = latest_due(frequency, utcnow(), settings)
    if period is None:
        raise fail("no daily digest is due now (DAILYPAPERS_DIGEST_SKIP_WEEKENDS skips Saturdays and Sundays)",
                   hint="pass --date YYYY-MM-DD to compose a particular day")  # fmt: skip
    return period


@app.command("preview")
def preview(
    email: str = typer.Option(..., "--email", help="The subscriber whose digest to show."),
    period: Frequency | None = typer.Option(None, "--period", help="daily or weekly (default: theirs)."),
    date: str | None = typer.Option(None, "--date", help="A day in the period (default: the latest due)."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML part here."),
    text: Path | None = typer.Option(None, "--text", help="Write the text part here (default: standard output)."),
) -> None:
    """Show the digest a subscriber would get, without sending or recording anything."""
    settings = Settings()
    db = database(settings)
    try:
        with db.read() as session:
            subscription = subscriptions.by_email(session, email.strip().lower())
            if subscription is None:
                raise fail(f"no subscription for {email}", hint="add one with `dailypapers subscribers add`")
            chosen_period = _period(settings, period or Frequency(subscription.frequency), date)
            digests = PeriodDigests.load(session, settings, chosen_period)
            token = quote(subscriptions.manage_token(settings, subscription))
            rendered = digests.render(
                digests.choose(subscription, session),
                [],
                f"{settings.base_url}/subscriptions/manage?token={token}",
                f"{settings.base_url}/unsubscribe?token={token}",
            )
    finally:
        db.dispose()
    if html is not None:
        html.write_text(rendered.html, encoding="utf-8")
    if text is not None:
        text.write_text(rendered.text, encoding="utf-8")
    say(out, f"Subject: {rendered.subject}")
    if text is None:
        say(out, rendered.text)


@app.command("send")
def send(
    period: Frequency = typer.Option(..., "--period", help="daily or weekly."),
    date: str | None = typer.Option(None, "--date", help="A day in the period to send (default: the latest due)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Compose and count, but store and send nothing."),
) -> None:
    """Compose the period's digests (once per subscriber, whatever happens) and send what is pending."""
    settings = Settings()
    db = database(settings)
    chosen = _period(settings, period, date)
    try:
        summary = compose(
            db,
            settings,
            chosen,
            ModelPersonalizer(settings),
            dry_run=dry_run,
            member_sections=FollowsAndSearches(settings),
        )
        say(out, f"{chosen.key}: {summary}")
        if dry_run:
            return
        with db.read() as session:
            pending = (
                session.scalar(
                    select(func.count()).where(
                        OutboxMessage.period == chosen.key,
                        OutboxMessage.status.in_([OutboxStatus.pending.value, OutboxStatus.sending.value]),
                    )
                )
                or 0
            )
        sender = SmtpSender(settings) if settings.email_backend == "smtp" else ConsoleSender()
        try:
            with progress() as bar:
                task = bar.add_task("sending digests", total=pending)
                result = drain(db, settings, sender, chosen.key, on_message=lambda _: bar.advance(task))
        except SmtpConfigError as exc:
            raise fail(
                str(exc), hint="check the DAILYPAPERS_SMTP_* settings; nothing was lost, rerun to resume"
            ) from None
        finally:
            if isinstance(sender, SmtpSender):
                sender.close()
        say(out, str(result))
        if isinstance(sender, ConsoleSender) and result.sent:
            # "sent" counts what the backend accepted; say plainly that the console backend delivers nothing.
            say(err, "note: DAILYPAPERS_EMAIL_BACKEND=console wrote these digests to the log and delivered none; "
                     "set DAILYPAPERS_EMAIL_BACKEND=smtp (and DAILYPAPERS_SMTP_*) to send them")  # fmt: skip
        if result.failed:
            raise typer.Exit(1)
    finally:
        db.dispose()
