"""arXiv OAI-PMH and API parsers on the recorded responses, and hostile XML."""

import datetime as dt
import gzip
import json

import pytest

from dailypapers.sources.arxiv_api import ArxivApiError, parse_feed
from dailypapers.sources.arxiv_oai import MetadataFormat, ResumptionTokenExpired, parse_list_records
from dailypapers.sources.http import SourceError, parse_retry_after
from dailypapers.sources.xml import MalformedXml
from tests.conftest import FIXTURES
from tests.replay import bulk_page

API = FIXTURES / "arxiv_api"
OAI = FIXTURES / "oai"


def _api_body(name: str) -> bytes:
    path = next(API.glob(f"{name}_*.json"))
    body: bytes = json.loads(path.read_text())["body"].encode("latin-1")
    return body


def test_oai_bulk_page_with_restored_namespace() -> None:
    page = parse_list_records(bulk_page(0), "page 0", MetadataFormat.arxiv)
    assert len(page.records) == 1000 and page.failed == []
    assert page.token == "2752941|1001"
    assert page.complete_list_size == 10_000
    first = page.records[0]
    assert first.arxiv_id == "0704.0001"
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert first.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert first.published_at == dt.datetime(2007, 4, 2, tzinfo=dt.UTC)
    assert first.updated_at == dt.datetime(2007, 7, 24, tzinfo=dt.UTC)
    assert first.categories == ("hep-ph",)
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.version is None  # the arXiv format does not say


def test_oai_page_as_recorded_without_the_inner_namespace_parses_the_same() -> None:
    raw = gzip.decompress((FIXTURES / "oai_bulk" / "00.xml.gz").read_bytes())
    assert (
        parse_list_records(raw, "raw", MetadataFormat.arxiv).records
        == parse_list_records(bulk_page(0), "restored", MetadataFormat.arxiv).records
    )


def test_last_bulk_page_ends_the_list() -> None:
    page = parse_list_records(bulk_page(9), "page 9", MetadataFormat.arxiv)
    assert page.token is None and len(page.records) == 1000


def test_arxiv_raw_keeps_every_version_date() -> None:
    page = parse_list_records((OAI / "ListRecords.xml").read_bytes(), "raw", MetadataFormat.arxiv_raw)
    assert len(page.records) == 387
    first = page.records[0]
    assert first.arxiv_id == "0803.4354"
    assert first.version == 6
    assert first.published_at == dt.datetime(2008, 3, 30, 23, 26, 50, tzinfo=dt.UTC)
    assert first.updated_at == dt.datetime(2016, 10, 20, 16, 58, 38, tzinfo=dt.UTC)
    assert first.authors == ("Moustapha Diaby",)
    assert first.title == "A O(n^8) X O(n^7) Linear Programming Model of the Traveling Salesman Problem"


def test_recorded_2018_list_records_page() -> None:
    body = (OAI / "oaipmh-listrecords---should-list-identifiers-from-arxiv__01_status200.xml").read_bytes()
    page = parse_list_records(body, "2018", MetadataFormat.arxiv)
    assert page.records and page.records[0].arxiv_id == "1412.8544"


def _oai_error(code: str) -> bytes:
    return (
        '<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>x</responseDate>'
        f'<error code="{code}">explanation</error></OAI-PMH>'
    ).encode()


def test_oai_errors() -> None:
    assert parse_list_records(_oai_error("noRecordsMatch"), "x", MetadataFormat.arxiv).records == []
    with pytest.raises(ResumptionTokenExpired, match="badResumptionToken"):
        parse_list_records(_oai_error("badResumptionToken"), "x", MetadataFormat.arxiv)
    with pytest.raises(SourceError, match="OAI-PMH error badArgument: explanation"):
        parse_list_records(_oai_error("badArgument"), "x", MetadataFormat.arxiv)
    with pytest.raises(SourceError, match="not an OAI-PMH response"):
        parse_list_records(b"<html><body>hi</body></html>", "x", MetadataFormat.arxiv)


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>&lol3;</ListRecords></OAI-PMH>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>&e;</ListRecords></OAI-PMH>"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (XML_BOMB, "refused a document with a DTD"),
        (EXTERNAL_ENTITY, "refused a document with a DTD"),
        (bulk_page(1)[:50_000], "malformed or truncated XML at line"),
        (b"\xff\xfe<OAI-PMH/>", "not valid UTF-8"),
        (b"", "malformed or truncated XML"),
    ],
)
def test_hostile_xml_is_refused_with_a_clear_message(body: bytes, message: str) -> None:
    with pytest.raises(MalformedXml, match=message):
        parse_list_records(body, "page", MetadataFormat.arxiv)


def test_api_entry_keeps_version_and_both_dates() -> None:
    page = parse_feed(_api_body("id_2104.12255v1"), "api")
    [record] = page.records
    assert (record.arxiv_id, record.version) == ("2104.12255", 1)
    assert record.published_at == dt.datetime(2021, 4, 20, 16, 7, 14, tzinfo=dt.UTC)
    assert record.categories == ("cs.CR",)
    assert record.authors == ("Quan Thoi Minh Nguyen",)


def test_api_old_style_id_and_paging_pages() -> None:
    [old] = parse_feed(_api_body("id_astro-ph_0601001"), "api").records
    assert old.arxiv_id == "astro-ph/0601001"
    page = parse_feed(_api_body("q_testing_s0_m100"), "api")
    assert len(page.records) == 100
    assert page.total_results > 100
    assert all(r.published_at and r.updated_at and r.updated_at >= r.published_at for r in page.records)


def test_api_error_feed_and_empty_results() -> None:
    with pytest.raises(ArxivApiError, match="arXiv API refused the query: incorrect id format for abc"):
        parse_feed(_api_body("id_abc"), "api")
    empty = parse_feed(_api_body("id_0000.0000"), "api")
    assert empty.records == [] and empty.total_results == 0


def test_legacy_2016_feed_format() -> None:
    body = (API / "legacy_2016" / "id_list=1111.2011v2.xml").read_bytes()
    [record] = parse_feed(body, "legacy").records
    assert (record.arxiv_id, record.version) == ("1111.2011", 2)
    assert record.categories and record.categories[0]
    assert record.journal_ref or record.comment or record.doi


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("10", 10.0), ("0", 0.0), ("99999", 600.0), (None, None), ("soon", None)],
)
def test_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_http_date() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
