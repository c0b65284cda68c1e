""" "New on arXiv" (issue #13): each paper keeps the announcement that listed it; listings per day and category
mark cross-lists and replacements instead of mixing them in as new."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

import feedparser
import pytest
from defusedxml import ElementTree
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.harvest import harvest_oai
from dailypapers.ingest.upserts import upsert_papers
from dailypapers.papers.models import Paper
from dailypapers.papers.records import PaperRecord
from dailypapers.personal.services import rank_ids
from dailypapers.sources.arxiv_oai import HarvestParams, MetadataFormat, OaiHarvester
from dailypapers.sources.http import SourceClient
from tests.conftest import FIXTURES
from tests.factories import form_token, load_corpus, log_in, make_user
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


def test_atom_feeds_list_the_same_papers_in_the_same_order(db: Database, client: TestClient) -> None:
    store(
        db,
        record("2510.00001", ("cs.CL", "cs.AI"), upvotes=5),
        record("2510.00002", ("cs.CL",), upvotes=9),
        record("2510.00003", ("cs.LG", "cs.CL")),
        record("2510.00006", ("math.AG",)),
    )
    api = [p["id"] for p in client.get("/api/papers/new", params={"category": "cs.CL"}).json()["papers"]]
    for path in ("/papers/new/feed.atom", f"/papers/new/{DAY}/feed.atom"):
        response = client.get(path, params={"category": "cs.CL"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.content)
        assert not feed.bozo
        assert (
            [entry.link.rsplit("/", 1)[1] for entry in feed.entries]
            == api
            == ["2510.00002", "2510.00001", "2510.00003"]
        )
        assert feed.feed.title.startswith("New on arXiv · cs.CL")
        again = client.get(path, params={"category": "cs.CL"}).content
        assert again == response.content  # ids and dates are stable across requests
    # The page links its own feed, filter included.
    page = client.get("/papers/new", params={"category": "cs.CL"}).text
    assert f'href="/papers/new/{DAY}/feed.atom?category=cs.CL"' in page
    # Without a category, the configured ones; math.AG is not among them.
    everything = feedparser.parse(client.get("/papers/new/feed.atom").content)
    assert "2510.00006" not in {entry.link.rsplit("/", 1)[1] for entry in everything.entries}
    for bad in ("/papers/new/feed.atom?category=cs%20CL", "/papers/new/2025-13-01/feed.atom"):
        assert client.get(bad).status_code == 400


def test_a_member_with_a_model_sees_each_group_by_interest(app: FastAPI, corpus: Database, settings: Settings) -> None:
    from tests.functional.test_for_you import LIKED, give_signals, refit

    with corpus.write() as session:  # the corpus's papers of 29-30 Oct, as if announced on DAY
        announced = session.scalars(select(Paper).where(Paper.arxiv_id.like("2510.2%"))).all()
        for paper in announced:  # Hugging Face's records carry no arXiv categories: give them one
            paper.announced_on = DAY
            paper.categories, paper.primary_category = paper.categories or "cs.AI", paper.primary_category or "cs.AI"
    ada = make_user(corpus, "ada")
    give_signals(corpus, ada)
    refit(corpus, settings)
    with TestClient(app) as client:
        anonymous = client.get(f"/papers/new/{DAY}", params={"category": "cs"}).text
        assert "most upvoted first" in anonymous and "Because you liked" not in anonymous
        log_in(client, "ada")
        page = client.get(f"/papers/new/{DAY}", params={"category": "cs"}).text
    assert "ordered by" in page and "your interests" in page and "Because you liked" in page
    order = re.findall(r'<h2 class="card-title math"><a href="/papers/([^"]+)">', page)
    assert sorted(order) == sorted(re.findall(r'<h2 class="card-title math"><a href="/papers/([^"]+)">', anonymous))
    with corpus.read() as session:
        picks = rank_ids(session, settings, ada.id, [p.id for p in announced], limit=len(announced))
        by_id = {p.id: p.arxiv_id for p in announced}
    assert picks
    kinds_on_page = kinds_of_page(page)
    new_papers = [arxiv_id for arxiv_id in order if kinds_on_page[arxiv_id] == "new"]
    picked_new = [by_id[p.paper_id] for p in picks if by_id[p.paper_id] in new_papers]
    assert new_papers[: len(picked_new)] == picked_new  # the model's order first
    # What the member already upvoted or saved follows the picks.
    assert {arxiv_id for arxiv_id in new_papers[len(picked_new) :]} <= set(LIKED) | {"2510.24701"}


@pytest.fixture
def corpus(db: Database) -> Database:
    load_corpus(db)
    return db


def kinds_of_page(page: str) -> dict[str, str]:
    found = re.findall(r'<li class="card ([a-z-]+)">\s*<article>.*?<a href="/papers/([^"]+)">', page, re.S)
    return {arxiv_id: kind for kind, arxiv_id in found}
