"""``dailypapers ingest``: fetch papers from arXiv (OAI-PMH harvest or API by id) and Hugging Face."""

from __future__ import annotations

import datetime as dt

import typer

from dailypapers.cli.common import database, err, fail, finish, out, progress, say
from dailypapers.config import Settings
from dailypapers.ingest.arxiv import ingest_ids
from dailypapers.ingest.daily import days_between, sync_hf_days
from dailypapers.ingest.harvest import HarvestProgress, harvest_oai
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.papers.ids import InvalidArxivId, parse_arxiv_id
from dailypapers.sources.arxiv_api import ArxivApiSource
from dailypapers.sources.arxiv_oai import HarvestParams, MetadataFormat, OaiHarvester, OaiPage
from dailypapers.sources.http import SourceClient, SourceError
from dailypapers.sources.huggingface import HuggingFaceDaily

app = typer.Typer(help="Fetch papers from arXiv and Hugging Face.", no_args_is_help=True)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date (expected YYYY-MM-DD)", code=2) from None


def _settings(delay: float | None) -> Settings:
    settings = Settings()
    if delay is not None:
        settings = settings.model_copy(update={"arxiv_delay_seconds": delay})
    return settings


@app.command("arxiv")
def arxiv(
    from_: str | None = typer.Option(None, "--from", help="OAI-PMH harvest: records changed on or after YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="OAI-PMH harvest: changed on or before YYYY-MM-DD."),
    set_spec: str | None = typer.Option(None, "--set", help="OAI-PMH set, e.g. cs, math, physics:hep-th."),
    fmt: MetadataFormat = typer.Option(MetadataFormat.arxiv, "--format", help="arXiv, or arXivRaw (all versions)."),
    ids: list[str] = typer.Option([], "--id", help="Fetch these arXiv ids through the API (repeatable)."),
    delay: float | None = typer.Option(
        None, help="Seconds between requests (default DAILYPAPERS_ARXIV_DELAY_SECONDS)."
    ),
) -> None:
    """Harvest arXiv over OAI-PMH (resumable: rerun the same command after an interruption), or fetch ids."""
    if ids and (from_ or until or set_spec):
        raise fail("give either --id or an OAI-PMH harvest (--from/--until/--set), not both", code=2)
    if not ids and not (from_ or until or set_spec):
        raise fail("give --id ID (repeatable) or --from YYYY-MM-DD for an OAI-PMH harvest", code=2)
    settings = _settings(delay)
    if ids:
        _ingest_ids(settings, ids)
        return
    params = HarvestParams(fmt, _date(from_, "--from"), _date(until, "--until"), set_spec)
    db = database(settings)
    summary = ImportSummary()
    try:
        with SourceClient(settings, min_interval_seconds=settings.arxiv_delay_seconds) as client, progress() as bar:
            task = bar.add_task("harvesting arXiv", total=None)

            def on_page(page: OaiPage, state: HarvestProgress) -> None:
                if state.resumed and state.pages and bar.tasks[task].completed == 0:
                    bar.console.print(f"resumed an interrupted harvest after page {state.pages - 1}")
                bar.update(task, completed=state.records, description=f"harvesting arXiv (page {state.pages})")
                for failure in page.failed:
                    say(bar.console, f"skipped {failure}")

            summary = harvest_oai(db, OaiHarvester(client, settings.arxiv_oai_url), params, on_page=on_page)
    except SourceError as exc:
        raise fail(
            str(exc), "nothing of the failed page was stored; rerun the same command to resume from there"
        ) from None
    finally:
        db.dispose()
    for message in summary.errors:
        if "restarted" in message:
            out.print(message, markup=False)
    finish(summary, "papers", fail_on_errors=summary.failed > 0)


def _ingest_ids(settings: Settings, raw_ids: list[str]) -> None:
    try:
        ids = [str(parse_arxiv_id(i)) for i in raw_ids]
    except InvalidArxivId as exc:
        raise fail(str(exc), code=2) from None
    db = database(settings)
    source = ArxivApiSource(settings)
    try:
        summary, missing = ingest_ids(db, source, ids)
    except SourceError as exc:
        raise fail(str(exc)) from None
    finally:
        source.close()
        db.dispose()
    for arxiv_id in missing:
        say(err, f"not found: arXiv has no paper {arxiv_id}")
    finish(summary, "papers")


@app.command("hf")
def hf(
    date: str | None = typer.Option(None, "--date", help="One day, YYYY-MM-DD."),
    from_: str | None = typer.Option(None, "--from", help="First day of a range."),
    until: str | None = typer.Option(None, "--until", help="Last day of a range (default: today)."),
) -> None:
    """Sync Hugging Face Daily Papers for a day or a range of days (same mapping as `import hf`)."""
    if date and (from_ or until):
        raise fail("give either --date or --from/--until", code=2)
    first = _date(date or from_, "--date" if date else "--from")
    if first is None:
        raise fail("give --date YYYY-MM-DD or --from YYYY-MM-DD [--until YYYY-MM-DD]", code=2)
    last = first if date else (_date(until, "--until") or dt.datetime.now(dt.UTC).date())
    try:
        days = days_between(first, last)
    except ValueError as exc:
        raise fail(str(exc), code=2) from None
    settings = Settings()
    db = database(settings)
    try:
        with SourceClient(settings) as client, progress() as bar:
            task = bar.add_task("syncing Hugging Face days", total=len(days))
            summary = sync_hf_days(
                db, HuggingFaceDaily(settings.hf_url, client), days, on_day=lambda *_: bar.advance(task)
            )
    except SourceError as exc:
        hint = "days before the failing one are stored; rerun to finish (re-syncing a day changes nothing)"
        raise fail(str(exc), hint) from None
    finally:
        db.dispose()
    finish(summary, "papers")
