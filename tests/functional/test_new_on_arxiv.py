""" "New on arXiv" (issue #13): each paper keeps the announcement that listed it; listings per day and category
mark cross-lists and replacements instead of mixing them in as new."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

from defusedxml import ElementTree
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.harvest import harvest_oai
from dailypapers.ingest.upserts import upsert_papers
from dailypapers.papers.models import Paper
from dailypapers.papers.records import PaperRecord
from dailypapers.sources.arxiv_oai import HarvestParams, MetadataFormat, OaiHarvester
from dailypapers.sources.http import SourceClient
from tests.conftest import FIXTURES
from tests.factories import form_token, log_in, make_user
from tests.replay import ReplayServer

DAY = dt.date(2025, 10, 30)
AT = dt.datetime(2025, 10, 28, 17, 0, tzinfo=dt.UTC)


def record(arxiv_id: str, categories: tuple[str, ...], **changes: object) -> PaperRecord:
    values: dict[str, object] = {
        "arxiv_id": arxiv_id,
        "title": f"Paper {arxiv_id}",
        "abstract": "An abstract.",
        "authors": ("Ada Lovelace",),
        "categories": categories,
        "published_at": AT,
        "updated_at": AT,
        "listed_on": DAY,
    }
    values.update(changes)
    return PaperRecord(**values)  # type: ignore[arg-type]


def store(db: Database, *records: PaperRecord) -> None:
    with db.write() as session:
        upsert_papers(session, list(records))


def kinds(client: TestClient, **params: str) -> dict[str, str]:
    response = client.get("/api/papers/new", params=params)
    assert response.status_code == 200, response.text
    return {p["id"]: p["kind"] for p in response.json()["papers"]}


def test_new_cross_lists_and_replacements_per_day_and_category(db: Database, client: TestClient) -> None:
    store(
        db,
        record("2510.00001", ("cs.CL", "cs.AI"), upvotes=5),  # new in cs.CL
        record("2510.00002", ("cs.CL",), upvotes=9),  # new in cs.CL, more upvotes: first
        record("2510.00003", ("cs.LG", "cs.CL")),  # primary cs.LG: a cross-list in cs.CL
        record("2509.00004", ("cs.CL",), published_at=AT - dt.timedelta(days=40)),  # a replacement (v2)
        record(
            "2401.00005", ("cs.CL",), published_at=AT - dt.timedelta(days=600), updated_at=AT - dt.timedelta(days=500)
        ),
        record("2510.00006", ("math.AG",)),  # not in the configured categories
        record("2510.00007", ("cs.CL",), listed_on=DAY - dt.timedelta(days=1)),  # announced the day before
    )
    listing = client.get("/api/papers/new", params={"category": "cs.CL"}).json()
    assert listing["date"] == DAY.isoformat()  # the latest announcement by default
    assert [(p["id"], p["kind"]) for p in listing["papers"]] == [
        ("2510.00002", "new"),
        ("2510.00001", "new"),
        ("2510.00003", "cross-list"),
        ("2509.00004", "replacement"),
    ]  # 2401.00005's record changed long after its last version: no announcement, on no listing
    # An archive takes all its categories: cs.LG's paper is new in cs, not a cross-list.
    assert kinds(client, date=DAY.isoformat(), category="cs")["2510.00003"] == "new"
    # Without a category: the configured ones (cs.LG cs.CL cs.CV stat.ML); math.AG is not among them.
    assert "2510.00006" not in kinds(client, date=DAY.isoformat())
    assert kinds(client, date=DAY.isoformat(), category="math") == {"2510.00006": "new"}
    assert kinds(client, date=(DAY - dt.timedelta(days=1)).isoformat(), category="cs.CL") == {"2510.00007": "new"}

    # A later change of the record (a metadata fix, a cross-list added) leaves its announcement alone.
    store(db, record("2510.00001", ("cs.CL", "cs.AI", "cs.LG"), listed_on=DAY + dt.timedelta(days=30)))
    assert kinds(client, date=DAY.isoformat(), category="cs.CL")["2510.00001"] == "new"
    assert kinds(client, date=(DAY + dt.timedelta(days=30)).isoformat()) == {}

    page = client.get("/papers/new?category=cs.CL")
    assert page.status_code == 200
    assert "2 new papers · 1 cross-list · 1 replacement" in page.text
    assert "Cross-list from cs.LG" in page.text and "Replacement" in page.text
    day_page = client.get(f"/papers/new/{DAY}")
    assert day_page.status_code == 200 and "2510.00002" in day_page.text
    assert f'href="/papers/new/{DAY - dt.timedelta(days=1)}"' in day_page.text  # the previous announcement


def test_bad_input_is_a_400(db: Database, client: TestClient) -> None:
    for path in ("/papers/new/2025-13-01", "/api/papers/new?date=yesterday", "/papers/new?category=cs%20OR%201"):
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
    assert client.get("/api/papers/new").json() == {"date": None, "categories": Settings().category_list, "papers": []}
    assert client.get("/papers/new").status_code == 200  # nothing announced yet: an empty page, not an error


def test_members_can_upvote_from_the_listing(db: Database, client: TestClient) -> None:
    store(db, record("2510.00001", ("cs.CL",)))
    make_user(db, "ada")
    log_in(client, "ada")
    assert 'action="/papers/2510.00001/vote"' in client.get("/papers/new").text
    token = form_token(client, "/papers/new")
    client.post("/papers/2510.00001/vote", data={"csrf_token": token})
    assert kinds(client, category="cs.CL") == {"2510.00001": "new"}
    assert client.get("/api/papers/new").json()["papers"][0]["upvotes"] == 1


def _expected_replacements(body: bytes) -> dict[str, dt.date]:
    """From the recorded page itself: records with several versions whose last one was submitted within a week
    before the record's datestamp (independent of the code under test)."""
    root = ElementTree.fromstring(body)
    expected = {}
    for rec in root.iter("{http://www.openarchives.org/OAI/2.0/}record"):
        stamp = dt.date.fromisoformat(rec.findtext(".//{http://www.openarchives.org/OAI/2.0/}datestamp") or "")
        dates = [
            email.utils.parsedate_to_datetime(v.findtext("{http://arxiv.org/OAI/arXivRaw/}date") or "").date()
            for v in rec.iter("{http://arxiv.org/OAI/arXivRaw/}version")
        ]
        arxiv_id = rec.findtext(".//{http://arxiv.org/OAI/arXivRaw/}id") or ""
        if len(dates) > 1 and dt.timedelta(0) <= stamp - max(dates) <= dt.timedelta(days=7):
            expected[arxiv_id] = stamp
    return expected


def test_a_recorded_harvest_marks_its_replacements(
    source_settings: Settings, db: Database, replay: ReplayServer, client: TestClient
) -> None:
    """The recorded arXivRaw page (two days of October 2016) holds replacements and old papers whose metadata
    changed; none of them is new, and only the replacements are listed."""
    body = (FIXTURES / "oai" / "ListRecords.xml").read_bytes()
    expected = _expected_replacements(body)
    assert expected and len(expected) < len(re.findall(rb"<record>", body))
    with SourceClient(source_settings) as http:
        harvest_oai(db, OaiHarvester(http, source_settings.arxiv_oai_url), HarvestParams(MetadataFormat.arxiv_raw))
    with db.read() as session:
        assert session.scalar(select(Paper.id).where(Paper.announced_on.is_not(None))) is None
    listed: dict[str, dt.date] = {}
    for day in sorted(set(expected.values())):
        listing = client.get("/api/papers/new", params={"date": day.isoformat(), "category": ""}).json()
        assert {p["kind"] for p in listing["papers"]} <= {"replacement"}
        listed.update((p["id"], day) for p in listing["papers"])
    assert listed == {k: v for k, v in expected.items() if k in listed}
    # Without a category filter the configured categories apply; every expected replacement in them is listed.
    with db.read() as session:
        configured = set(Settings().category_list)
        in_scope = {
            a for a, c in session.execute(select(Paper.arxiv_id, Paper.categories)) if configured & set(c.split())
        }
    assert set(listed) == {a for a in expected if a in in_scope}
