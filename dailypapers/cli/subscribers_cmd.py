"""``dailypapers subscribers``: add, import and list digest subscribers."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from dailypapers.cli.common import database, err, fail, out, say
from dailypapers.digests import subscriptions
from dailypapers.digests.models import Frequency

app = typer.Typer(help="Digest subscribers, for operators.", no_args_is_help=True)
MAX_CSV_BYTES = 50 * 1024 * 1024


@app.command("add")
def add(
    email: str = typer.Argument(..., help="The address."),
    frequency: Frequency = typer.Option(Frequency.daily, "--frequency", help="daily or weekly."),
    categories: str = typer.Option("", "--categories", help="Space-separated arXiv categories (optional)."),
    keywords: str = typer.Option("", "--keywords", help="Comma-separated phrases (optional)."),
    confirmed: bool = typer.Option(
        False, "--confirmed", help="Skip the opt-in e-mail: you hold this person's consent already."
    ),
) -> None:
    """Add (or update) a subscriber. Without --confirmed they stay pending until they confirm from the site."""
    db = database()
    try:
        with db.write() as session:
            subscription = subscriptions.add(session, email, frequency.value, categories, keywords, confirmed)
            line = f"{subscription.email}: {subscription.frequency}, {subscription.status}"
    except subscriptions.SubscriptionRefused as exc:
        raise fail(str(exc)) from None
    finally:
        db.dispose()
    say(out, line)


@app.command("import")
def import_csv(
    path: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV with a header: email[,frequency,categories,keywords,confirmed]."
    ),
) -> None:
    """Add many subscribers; a bad row is reported with its line number and the others are imported."""
    if path.stat().st_size > MAX_CSV_BYTES:
        raise fail(f"{path} is larger than {MAX_CSV_BYTES // 1024 // 1024} MB; split it")
    db = database()
    added = failed = 0
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="strict") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "email" not in reader.fieldnames:
                raise fail(f"{path}: the first line must be a header with an `email` column")
            with db.write() as session:
                for row in reader:
                    try:
                        with session.begin_nested():
                            subscriptions.add(
                                session,
                                row.get("email") or "",
                                (row.get("frequency") or "daily").strip() or "daily",
                                row.get("categories") or "",
                                row.get("keywords") or "",
                                (row.get("confirmed") or "").strip().lower() in ("1", "true", "yes"),
                            )
                        added += 1
                    except subscriptions.SubscriptionRefused as exc:
                        failed += 1
                        say(err, f"{path}:{reader.line_num}: {exc}")
    except UnicodeDecodeError as exc:
        raise fail(f"{path} is not UTF-8 text ({exc}); nothing was imported") from None
    except csv.Error as exc:
        raise fail(f"{path} is not valid CSV ({exc}); nothing was imported") from None
    finally:
        db.dispose()
    say(out, f"{added} subscribers added or updated, {failed} refused")
    if failed:
        raise typer.Exit(1)


@app.command("list")
def list_subscribers() -> None:
    """Every subscriber: address, frequency, status, filters."""
    db = database()
    try:
        with db.read() as session:
            rows = subscriptions.all_subscriptions(session)
    finally:
        db.dispose()
    for s in rows:
        filters = "; ".join(x for x in (s.categories, s.keywords) if x)
        typer.echo(f"{s.email}\t{s.frequency}\t{s.status}\t{filters}")  # tab-separated, for scripts
    say(err, f"{len(rows)} subscribers")
