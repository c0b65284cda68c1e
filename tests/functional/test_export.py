"""Exports: a collection and a listing as BibTeX, RIS and CSL-JSON. Each export is read back by a parser of its
format from PyPI (bibtexparser, rispy, citeproc-py) and compared field by field with the stored papers, then
imported through our own library import (/for-you/import) by another member: every paper comes back, none
unmatched."""

from __future__ import annotations

import json
import re

import bibtexparser
import pytest
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dailypapers.community import collections
from dailypapers.community.models import Collection
from dailypapers.db import Database
from dailypapers.papers.models import Paper
from dailypapers.personal.library import IMPORT_COLLECTION
from tests.factories import api_token, form_token, load_corpus, log_in, make_user

FORMATS = {"bibtex": "bib", "ris": "ris", "csl-json": "json"}


@pytest.fixture
def chosen(db: Database) -> list[Paper]:
    """Papers with what exports find hard: TeX math, DOIs, journal references, long author lists, one-word names."""
    load_corpus(db, vectors=False)
    with db.read() as session:
        papers = list(session.scalars(select(Paper).options(selectinload(Paper.authors)).order_by(Paper.id)))
        session.expunge_all()
    with_math = [p for p in papers if "$" in p.abstract][:4]
    with_doi = [p for p in papers if p.doi and p not in with_math][:3]
    from_hf = [p for p in papers if p.ai_summary and p not in with_math + with_doi][:5]
    picked = with_math + with_doi + from_hf
    assert len(with_math) >= 2 and with_doi and len(from_hf) == 5
    return picked


def _collection(db: Database, client: TestClient, papers: list[Paper]) -> tuple[int, dict[str, str]]:
    headers = {"Authorization": f"Bearer {api_token(db, make_user(db, 'ada'))}"}
    cid = client.post("/api/collections", json={"name": "To cite"}, headers=headers).json()["id"]
    for paper in papers:
        assert client.post(
            f"/api/collections/{cid}/papers", json={"paperId": paper.arxiv_id}, headers=headers
        ).is_success
    return cid, headers


def _unescape(text: str) -> str:
    return text.replace("\\{", "{").replace("\\}", "}")


def _check_bibtex(text: str, papers: dict[str, Paper]) -> None:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks and len(library.entries) == len(papers)
    assert len({e.key for e in library.entries}) == len(papers)
    for entry in library.entries:
        fields = {k: str(f.value) for k, f in entry.fields_dict.items()}
        paper = papers[fields["eprint"]]
        assert entry.entry_type == "misc" and fields["archivePrefix"] == "arXiv"
        assert _unescape(fields["title"]) == paper.title
        assert [n.strip("{}") for n in fields["author"].split(" and ")] == paper.author_list
        assert _unescape(fields["abstract"]) == paper.abstract
        assert fields["year"] == str(paper.published_at.year if paper.published_at else "")
        assert fields.get("doi") == paper.doi and fields.get("journal") == paper.journal_ref
        assert fields["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"


def _ris_name(name: str) -> str:
    family, _, given = name.partition(", ")
    return f"{given} {family}" if given else family


def _check_ris(text: str, papers: dict[str, Paper]) -> None:
    records = rispy.loads(text)
    assert len(records) == len(papers)
    for record in records:
        paper = papers[record["accession_number"].removeprefix("arXiv:")]
        assert record["type_of_reference"] == "UNPB"
        assert record["title"] == paper.title
        assert [_ris_name(n) for n in record["authors"]] == paper.author_list
        assert record["abstract"] == " ".join(paper.abstract.split())  # RIS holds one line per tag
        assert record.get("doi") == paper.doi and record.get("journal_name") == paper.journal_ref
        assert record.get("keywords", []) == paper.category_list
        assert record["urls"] == [f"https://arxiv.org/abs/{paper.arxiv_id}"]
        assert paper.published_at is not None and record["date"] == paper.published_at.strftime("%Y/%m/%d")


def _check_csl(text: str, papers: dict[str, Paper]) -> None:
    items = json.loads(text)
    assert len(items) == len(papers)
    for item in items:
        paper = papers[item["number"].removeprefix("arXiv:")]
        assert item["type"] == "article" and item["title"] == paper.title and item["abstract"] == paper.abstract
        names = [a.get("literal") or f"{a['given']} {a['family']}" for a in item["author"]]
        assert names == paper.author_list
        assert item.get("DOI") == paper.doi and item.get("container-title") == paper.journal_ref
        assert paper.published_at is not None
        assert item["issued"]["date-parts"] == [
            [paper.published_at.year, paper.published_at.month, paper.published_at.day]
        ]
    # A real CSL processor reads every item and formats a bibliography entry with each one's title.
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items)
    for item in items:
        first_words = " ".join(item["title"].split()[:3])
        assert any(first_words in " ".join(r.split()) for r in rendered), item["title"]


CHECKS = {"bibtex": _check_bibtex, "ris": _check_ris, "csl-json": _check_csl}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_collection_exports_and_imports_back_without_loss(
    db: Database, client: TestClient, chosen: list[Paper], fmt: str
) -> None:
    cid, headers = _collection(db, client, chosen)
    response = client.get(f"/api/collections/{cid}/export", params={"format": fmt}, headers=headers)
    assert response.status_code == 200
    assert f'filename="To-cite.{FORMATS[fmt]}"' in response.headers["content-disposition"]
    CHECKS[fmt](response.text, {p.arxiv_id: p for p in chosen})

    make_user(db, "grace")
    log_in(client, "grace")
    token = form_token(client, "/for-you")
    files = {"file": (f"library.{FORMATS[fmt]}", response.content)}
    done = client.post("/for-you/import", data={"csrf_token": token}, files=files)
    assert done.status_code == 200
    assert f"{len(chosen)} entries read; <strong>{len(chosen)}</strong> matched" in done.text
    with db.read() as session:
        grace_collection = session.scalars(select(Collection).where(Collection.name == IMPORT_COLLECTION)).one()
        imported = {p.arxiv_id for p in collections.papers_in(session, grace_collection)}
    assert imported == {p.arxiv_id for p in chosen}
    # The member's own page links the same download, which needs their login.
    page = client.get(f"/collections/{grace_collection.id}").text
    assert f'href="/collections/{grace_collection.id}/export.{FORMATS[fmt]}"' in page
    mine = client.get(f"/collections/{grace_collection.id}/export.{FORMATS[fmt]}")
    assert mine.status_code == 200 and len(re.findall(r"arxiv\.org/abs/", mine.text)) == len(chosen)


@pytest.mark.parametrize("fmt", FORMATS)
def test_listings_export_in_their_order(db: Database, client: TestClient, fmt: str) -> None:
    load_corpus(db, vectors=False)
    day = "2025-10-29"
    listed = [item["paper"]["id"] for item in client.get("/api/daily_papers", params={"date": day}).json()]
    api = client.get("/api/daily_papers/export", params={"format": fmt, "date": day})
    assert api.status_code == 200
    ids = re.findall(r"arxiv\.org/abs/([0-9.]+)", api.text)
    assert ids == listed
    page = client.get(f"/papers/date/{day}/export.{FORMATS[fmt]}")
    assert page.status_code == 200 and page.headers["content-type"] == api.headers["content-type"]
    assert set(re.findall(r"arxiv\.org/abs/([0-9.]+)", page.text)) == set(listed)
    week = client.get(f"/papers/week/2025-W44/export.{FORMATS[fmt]}")
    assert set(listed) <= set(re.findall(r"arxiv\.org/abs/([0-9.]+)", week.text))
    assert client.get(f"/papers/trending/export.{FORMATS[fmt]}").status_code == 200
    hits = [h["id"] for h in client.get("/api/papers/search", params={"q": "model", "mode": "keyword"}).json()]
    found = client.get("/api/papers/search", params={"q": "model", "mode": "keyword", "format": fmt})
    assert found.status_code == 200 and re.findall(r"arxiv\.org/abs/([0-9.]+)", found.text) == hits
    assert f'href="/papers/date/{day}/export.{FORMATS[fmt]}"' in client.get(f"/papers/date/{day}").text
    assert f'href="/papers/trending/export.{FORMATS[fmt]}"' in client.get("/papers/trending").text


def test_export_refusals(db: Database, client: TestClient) -> None:
    assert client.get("/papers/date/2025-10-29/export.docx").status_code == 404
    assert client.get("/papers/date/2025-13-45/export.bib").status_code == 400
    assert client.get("/api/daily_papers/export", params={"format": "docx"}).status_code == 422
    assert client.get("/api/daily_papers/export", params={"date": "2025-10-29", "week": "2025-W44"}).status_code == 400
    assert client.get("/collections/1/export.bib", follow_redirects=False).status_code in (303, 307)
    make_user(db, "ada")
    log_in(client, "ada")
    assert client.get("/collections/999/export.bib").status_code == 404
