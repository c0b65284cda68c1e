"""Ingestion over real HTTP on loopback (the replay server), through the services and the CLI."""

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import stamina
import stamina.instrumentation
from sqlalchemy import func, select
from stamina.instrumentation import RetryDetails
from typer.testing import CliRunner

from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.arxiv import ingest_search
from dailypapers.ingest.files import import_paper_batch
from dailypapers.ingest.harvest import harvest_oai
from dailypapers.ingest.models import HarvestCheckpoint
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.records import PaperRecord
from dailypapers.sources.arxiv_api import ArxivApiError, ArxivApiSource
from dailypapers.sources.arxiv_oai import HarvestParams, OaiHarvester
from dailypapers.sources.http import RETRY_WAIT_MAX_SECONDS, HttpStatusError, SourceClient, SourceError
from tests.conftest import FIXTURES
from tests.replay import BULK_RECORDS, JSON, XML, ReplayServer, Reply

runner = CliRunner()
RECORDED_503 = (
    FIXTURES / "oai" / "oaipmh-listrecords---should-list-identifiers-from-arxiv__00_status503.html"
).read_bytes()


# stamina's defaults, which SourceClient keeps (it sets only the cap): the first wait and the jitter's bound.
STAMINA_WAIT_INITIAL = 0.1
STAMINA_WAIT_JITTER = 1.0


@dataclass
class Retries:
    scheduled: list[RetryDetails] = field(default_factory=list)  # what stamina scheduled, with the cause
    slept: list[float] = field(default_factory=list)  # what the client then waited (recorded, not slept)


@pytest.fixture
def retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[Retries]:
    """Record retries through stamina's instrumentation hooks, and the client's sleeps instead of sleeping
    (the clock is a process edge; the retry logic itself runs for real)."""
    record = Retries()
    previous = stamina.instrumentation.get_on_retry_hooks()
    stamina.instrumentation.set_on_retry_hooks([*previous, record.scheduled.append])
    real_sleep, me = time.sleep, threading.get_ident()

    def sleep(seconds: float) -> None:
        # The harvest fetches its pages in a prefetch thread of its own (ingest/prefetch.py): its sleeps count.
        if threading.get_ident() == me or threading.current_thread().name == "oai-prefetch":
            record.slept.append(seconds)
        else:
            real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    yield record
    stamina.instrumentation.set_on_retry_hooks(previous)


@pytest.fixture
def client_settings(tmp_path: Path) -> Settings:
    """For tests of the HTTP client alone: no database, so they run once rather than once per backend."""
    return Settings(data_dir=tmp_path, database_url=None, contact_email="tests@example.org")


def _papers(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Paper)) or 0


def _checkpoint(db: Database) -> HarvestCheckpoint:
    with db.read() as session:
        checkpoint = session.scalar(select(HarvestCheckpoint).where(HarvestCheckpoint.key.startswith("oai ")))
        assert checkpoint is not None
        return checkpoint


def _harvest(db: Database, settings: Settings, **kwargs: object) -> object:
    with SourceClient(settings, min_interval_seconds=settings.arxiv_delay_seconds) as client:
        return harvest_oai(db, OaiHarvester(client, settings.arxiv_oai_url), HarvestParams(), **kwargs)  # type: ignore[arg-type]


def test_cli_harvests_all_pages_and_a_rerun_changes_nothing(
    source_settings: Settings, db: Database, replay: ReplayServer
) -> None:
    result = runner.invoke(cli, ["ingest", "arxiv", "--from", "2007-04-01"])
    assert result.exit_code == 0, result.output
    assert f"{BULK_RECORDS} new, 0 updated, 0 unchanged, 0 failed" in result.output
    assert replay.count("oai") == 10
    assert _papers(db) == BULK_RECORDS
    checkpoint = _checkpoint(db)
    assert (checkpoint.status, checkpoint.pages, checkpoint.records, checkpoint.resumption_token) == (
        "done",
        10,
        BULK_RECORDS,
        None,
    )
    first = replay.requests[0][1]
    assert first == {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2007-04-01"}
    assert replay.requests[1][1] == {"verb": "ListRecords", "resumptionToken": "2752941|1001"}
    again = runner.invoke(cli, ["ingest", "arxiv", "--from", "2007-04-01"])
    assert f"0 new, 0 updated, {BULK_RECORDS} unchanged, 0 failed" in again.output


def test_arxiv_raw_format_records_versions(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    result = runner.invoke(cli, ["ingest", "arxiv", "--from", "2016-10-20", "--format", "arXivRaw", "--set", "cs"])
    assert result.exit_code == 0, result.output
    assert "387 new" in result.output
    assert replay.requests[0][1]["set"] == "cs"
    with db.read() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "0803.4354"))
        assert paper is not None and paper.version == 6


def test_a_new_version_updates_title_abstract_and_authors(source_settings: Settings, db: Database) -> None:
    runner.invoke(cli, ["ingest", "arxiv", "--from", "2016-10-20", "--format", "arXivRaw"])
    with db.write() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "0803.4354"))
        assert paper is not None
        paper.version, paper.title = 5, "An older title"
    runner.invoke(cli, ["ingest", "arxiv", "--from", "2016-10-20", "--format", "arXivRaw"])
    with db.read() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "0803.4354"))
        assert paper is not None
        assert paper.version == 6
        assert paper.title.startswith("A O(n^8) X O(n^7)")


def test_503_with_retry_after_is_honoured(
    source_settings: Settings, db: Database, replay: ReplayServer, retries: Retries
) -> None:
    replay.records_per_page = 100
    replay.script("oai", Reply(503, RECORDED_503, "text/html", {"Retry-After": "1"}))
    _harvest(db, source_settings)
    assert [(d.retry_num, d.wait_for, _status(d)) for d in retries.scheduled] == [(1, 1.0, 503)]
    assert retries.slept == [1.0]  # the client waited what the server asked
    assert replay.count("oai") == 11  # the refused first page, then all ten
    assert _papers(db) == 1000


def _status(details: RetryDetails) -> int | None:
    return details.caused_by.status if isinstance(details.caused_by, HttpStatusError) else None


def _day(client: SourceClient, replay: ReplayServer) -> list[object]:
    body = client.get(f"{replay.url}/api/daily_papers", {"date": "2025-10-29"}, expect=("json",))
    papers: list[object] = json.loads(body)
    return papers


def test_429_with_retry_after_is_retried_after_that_long(
    client_settings: Settings, replay: ReplayServer, retries: Retries
) -> None:
    replay.script("hf", Reply(429, b"Too Many Requests", "text/plain", {"Retry-After": "7"}))
    with SourceClient(client_settings) as client:
        assert len(_day(client, replay)) == 24  # the second answer, replayed
    assert [(d.retry_num, d.wait_for, _status(d)) for d in retries.scheduled] == [(1, 7.0, 429)]
    assert retries.slept == [7.0]
    assert replay.count("hf") == 2


def test_a_server_that_stalls_past_the_timeout_is_asked_again(
    client_settings: Settings, replay: ReplayServer, retries: Retries
) -> None:
    stalled = threading.Event()
    replay.script("hf", Reply(200, b"[]", JSON, stall=stalled))  # says nothing until the test is over
    settings = client_settings.model_copy(update={"http_timeout_seconds": 0.5})
    try:
        with SourceClient(settings) as client:
            assert len(_day(client, replay)) == 24  # the second request, answered at once
    finally:
        stalled.set()
    [retry] = retries.scheduled
    assert isinstance(retry.caused_by, httpx.ReadTimeout) and retry.retry_num == 1
    assert retries.slept == pytest.approx([retry.wait_for])
    assert replay.count("hf") == 2


def test_backoff_grows_exponentially_up_to_its_cap(
    client_settings: Settings, replay: ReplayServer, retries: Retries
) -> None:
    """Without Retry-After the waits follow stamina's exponential backoff: 0.1 s doubling per retry plus up to
    1 s of jitter, capped at RETRY_WAIT_MAX_SECONDS. Observed through stamina's retry hooks and the (recorded,
    not slept) waits, never the clock."""
    replay.script("hf", *[Reply(500, b"down", "text/plain")] * 11)
    with SourceClient(client_settings, attempts=12) as client:
        assert len(_day(client, replay)) == 24
    waits = [d.wait_for for d in retries.scheduled]
    assert [d.retry_num for d in retries.scheduled] == list(range(1, 12))
    for number, wait in enumerate(waits, start=1):
        floor = min(STAMINA_WAIT_INITIAL * 2 ** (number - 1), RETRY_WAIT_MAX_SECONDS)
        # stamina's arithmetic at the cap can land a rounding error below it (59.999999999999986 for 60).
        ceiling = min(floor + STAMINA_WAIT_JITTER, RETRY_WAIT_MAX_SECONDS)
        assert floor - 1e-9 <= wait <= ceiling + 1e-9, (number, waits)
    # Past the jitter's reach (retry 5 on) the ranges no longer overlap: each wait is longer than the last.
    assert all(a < b for a, b in itertools.pairwise(waits[4:])), waits
    assert waits[-1] == pytest.approx(RETRY_WAIT_MAX_SECONDS)  # retry 11 would be 102.4 s
    assert retries.slept == pytest.approx(waits)
    assert replay.count("hf") == 12


def test_4xx_is_not_retried(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    replay.script("oai", Reply(403, b"Forbidden: we know who you are", "text/plain"))
    with pytest.raises(HttpStatusError, match=r"HTTP 403 .*Forbidden"):
        _harvest(db, source_settings)
    assert replay.count("oai") == 1
    assert "HTTP 403" in (_checkpoint(db).last_error or "")


HOSTILE = {
    "xml bomb": (
        Reply(
            body=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">&b;</OAI-PMH>'
        ),
        "refused a document with a DTD",
    ),
    "truncated": (
        Reply(body=b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><List'),
        "truncated XML",
    ),
    "wrong content type": (
        Reply(body=b"<html>Sign in to the hotel wifi</html>", content_type="text/html"),
        "content type 'text/html'",
    ),
    "invalid utf-8": (Reply(body=b'<?xml version="1.0"?><OAI-PMH>\xff\xfe</OAI-PMH>'), "not valid UTF-8"),
    "50 MB": (Reply(body=b"<" + b"x" * (50 * 1024 * 1024), content_type=XML), "over the 33,554,432-byte limit"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_page_fails_cleanly_and_the_harvest_resumes(
    source_settings: Settings, db: Database, replay: ReplayServer, case: str
) -> None:
    replay.records_per_page = 100  # the protocol matters here, not the volume
    reply, message = HOSTILE[case]
    replay.script("oai", None, None, reply)  # pages 1 and 2 fine, page 3 hostile
    result = runner.invoke(cli, ["ingest", "arxiv", "--from", "2007-04-01"])
    assert result.exit_code == 1
    assert message in result.output
    assert "rerun the same command to resume" in result.output
    assert _papers(db) == 200  # nothing partial of the failed page
    checkpoint = _checkpoint(db)
    assert checkpoint.status == "running" and checkpoint.resumption_token == "2752941|2001"
    resumed = runner.invoke(cli, ["ingest", "arxiv", "--from", "2007-04-01"])
    assert resumed.exit_code == 0, resumed.output
    assert "resumed an interrupted harvest after page 2" in resumed.output
    assert "800 new" in resumed.output
    assert _papers(db) == 1000
    assert replay.requests[-8][1] == {"verb": "ListRecords", "resumptionToken": "2752941|2001"}


def test_an_expired_token_restarts_from_the_beginning(
    source_settings: Settings, db: Database, replay: ReplayServer
) -> None:
    replay.records_per_page = 100
    replay.script("oai", None, *[Reply(500, b"down", "text/plain")] * 5)
    with stamina.set_testing(True, attempts=5), pytest.raises(HttpStatusError):  # five tries, no backoff waits
        _harvest(db, source_settings)
    assert replay.count("oai") == 6
    with db.write() as session:
        checkpoint = session.scalar(select(HarvestCheckpoint))
        assert checkpoint is not None
        checkpoint.resumption_token = "2752941|99001"  # the server has forgotten this one
    summary = _harvest(db, source_settings)
    assert "restarted from the start" in " ".join(summary.errors)  # type: ignore[attr-defined]
    assert _papers(db) == 1000


def test_category_filter_keeps_only_wanted_papers(
    source_settings: Settings, db: Database, replay: ReplayServer
) -> None:
    replay.records_per_page = 100
    _harvest(db, source_settings, categories=["hep-th"])
    with db.read() as session:
        categories = session.scalars(select(Paper.categories)).all()
    assert 0 < len(categories) < BULK_RECORDS
    assert all("hep-th" in c.split() for c in categories)


def test_api_fetch_by_id_through_the_cli(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    # One id per request: the recordings hold one id each.
    result = runner.invoke(cli, ["ingest", "arxiv", "--id", "2104.12255v1"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    result = runner.invoke(cli, ["ingest", "arxiv", "--id", "arXiv:astro-ph/0601001"])
    assert result.exit_code == 0, result.output
    with db.read() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "2104.12255"))
        assert paper is not None and paper.version == 1 and paper.primary_category == "cs.CR"
    assert any("tests@example.org" in agent for agent in replay.user_agents)


def test_cli_refuses_a_malformed_id_before_asking_arxiv(source_settings: Settings, replay: ReplayServer) -> None:
    result = runner.invoke(cli, ["ingest", "arxiv", "--id", "abc"])
    assert result.exit_code == 2
    assert "'abc' is not an arXiv id" in result.output
    assert replay.count("api") == 0


def test_api_400_error_feed_and_empty_result(source_settings: Settings) -> None:
    source = ArxivApiSource(source_settings)
    try:
        with pytest.raises(ArxivApiError, match="incorrect id format for abc"):
            source._query({"id_list": "abc", "start": 0, "max_results": 100})
        assert source._query({"id_list": "0000.0000", "start": 0, "max_results": 100}).records == []
    finally:
        source.close()


def test_api_unknown_id_is_reported(source_settings: Settings, replay: ReplayServer, db: Database) -> None:
    result = runner.invoke(cli, ["ingest", "arxiv", "--id", "2501.00001"])
    assert result.exit_code == 1
    assert "not found: arXiv has no paper 2501.00001" in result.output


def test_api_search_pages_until_the_total(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    import datetime as dt

    source = ArxivApiSource(source_settings)
    try:
        summary = ingest_search(db, source, "cs.LG", dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    finally:
        source.close()
    queries = [q for route, q in replay.requests if route == "api"]
    assert queries[0]["search_query"] == "cat:cs.LG AND submittedDate:[202501010000 TO 202501312359]"
    assert queries[0]["sortBy"] == "submittedDate"
    assert summary.new == _papers(db) > 0


def test_politeness_spaces_requests(client_settings: Settings, replay: ReplayServer, retries: Retries) -> None:
    # 30 s apart (recorded, not slept): the first request goes at once, each later one waits for its turn.
    with SourceClient(client_settings, min_interval_seconds=30.0) as client:
        for _ in range(3):
            _day(client, replay)
    assert len(retries.slept) == 2 and all(0 < wait <= 30.0 for wait in retries.slept), retries.slept
    assert replay.count("hf") == 3 and retries.scheduled == []


def test_hf_sync_for_a_day_and_a_range(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    one = runner.invoke(cli, ["ingest", "hf", "--date", "2025-10-29"])
    assert one.exit_code == 0, one.output
    assert "24 new" in one.output
    assert replay.requests[0][1]["date"] == "2025-10-29"
    rest = runner.invoke(cli, ["ingest", "hf", "--from", "2025-10-29", "--until", "2025-11-01"])
    assert rest.exit_code == 0, rest.output
    assert "39 new, 0 updated, 24 unchanged, 0 failed" in rest.output
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(DailyEntry)) == 63


def test_hf_sync_errors_are_clear(source_settings: Settings, db: Database, replay: ReplayServer) -> None:
    replay.script("hf", Reply(200, b"<html>maintenance</html>", "text/html"))
    result = runner.invoke(cli, ["ingest", "hf", "--date", "2025-10-29"])
    assert result.exit_code == 1
    assert "content type 'text/html'" in result.output
    replay.script("hf", Reply(200, b'{"status": "success", "data": []}', "application/json"))
    result = runner.invoke(cli, ["ingest", "hf", "--date", "2025-10-29"])
    assert "expected a JSON array" in result.output
    bad = runner.invoke(cli, ["ingest", "hf", "--from", "2025-10-29", "--until", "2025-10-01"])
    assert bad.exit_code == 2 and "is before --from" in bad.output


def test_source_error_messages_name_the_url(source_settings: Settings, replay: ReplayServer) -> None:
    client = SourceClient(source_settings)
    try:
        replay.script("hf", Reply(404, b"no such thing", "text/plain"))
        with pytest.raises(SourceError, match=r"HTTP 404 from http://127\.0\.0\.1:\d+/api/daily_papers"):
            client.get(f"{replay.url}/api/daily_papers", expect=("json",))
    finally:
        client.close()


def test_an_unreachable_source_is_a_clear_source_error(source_settings: Settings) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = SourceClient(source_settings)
    try:
        with (
            stamina.set_testing(True, attempts=2),
            pytest.raises(SourceError, match=r"cannot reach .* after 5 attempts"),
        ):
            client.get(f"http://127.0.0.1:{port}/oai", expect=("xml",))
    finally:
        client.close()


def _stored(db: Database, arxiv_id: str) -> tuple[int | None, str]:
    with db.read() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
        return paper.version, paper.title


def test_an_older_version_never_overwrites_a_newer_one(source_settings: Settings, db: Database) -> None:
    """A harvest that replays version 6 leaves the stored version 7 alone (OAI-PMH and the API can both send a
    record older than what another source already brought)."""
    runner.invoke(cli, ["ingest", "arxiv", "--from", "2016-10-20", "--format", "arXivRaw"])
    with db.write() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == "0803.4354")).one()
        paper.version, paper.title = 7, "The title of version 7"
    again = runner.invoke(cli, ["ingest", "arxiv", "--from", "2016-10-20", "--format", "arXivRaw"])
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 387 unchanged" in again.output
    assert _stored(db, "0803.4354") == (7, "The title of version 7")


def test_within_one_batch_the_newest_version_wins(db: Database) -> None:
    """Two versions of one paper in one batch (a page listing a paper twice, a merged import): the newer one is
    stored whatever the order, for a new paper and for one already stored at an older version."""

    def record(arxiv_id: str, version: int) -> tuple[str, PaperRecord]:
        title = f"Title of version {version}"
        return f"v{version}", PaperRecord(arxiv_id=arxiv_id, title=title, abstract="x", authors=("A",), version=version)

    import_paper_batch(db, [record("2001.00001", 2), record("2001.00001", 1)], ImportSummary())
    assert _stored(db, "2001.00001") == (2, "Title of version 2")
    import_paper_batch(db, [record("2001.00002", 1)], ImportSummary())
    import_paper_batch(db, [record("2001.00002", 3), record("2001.00002", 2)], ImportSummary())
    assert _stored(db, "2001.00002") == (3, "Title of version 3")
