"""Search through HTTP and the CLI, on SQLite and PostgreSQL: keyword, semantic, hybrid, filters, bad queries."""

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import get_embedder
from dailypapers.search.keyword import PostgresKeyword, SqliteKeyword
from dailypapers.search.query import parse_query
from dailypapers.search.services import Mode, SearchEngine
from dailypapers.search.tasks import embed_pending, pending_count
from tests.conftest import FIXTURES, REQUIRE_POSTGRES
from tests.factories import load_corpus, load_days

runner = CliRunner()
KAGGLE = FIXTURES / "kaggle" / "snapshot-head50.jsonl"


@pytest.fixture
def loaded(db: Database) -> Database:
    load_corpus(db)
    return db


def _ids(client: TestClient, **params: object) -> list[str]:
    response = client.get("/api/papers/search", params=params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()]


def test_keyword_ranks_title_matches_first(loaded: Database, client: TestClient) -> None:
    ids = _ids(client, q="state space duality", mode="keyword")
    assert ids[0] == "2405.21060"  # "...Through Structured State Space Duality"


def test_author_names_are_searchable_and_filterable(loaded: Database, client: TestClient) -> None:
    assert _ids(client, q="Albert Gu", mode="keyword")[0] == "2405.21060"
    filtered = _ids(client, q="models", mode="keyword", author="tri dao")
    assert filtered == ["2405.21060"]


def test_exact_id_and_exact_title_are_pinned_first(loaded: Database, client: TestClient) -> None:
    assert _ids(client, q="arXiv:0704.0013v2")[0] == "0704.0013"
    with loaded.read() as session:
        title = session.scalar(select(Paper.title).where(Paper.arxiv_id == "0704.0005"))
    assert title is not None
    response = client.get("/search", params={"q": title})
    assert "exact match" in response.text
    assert _ids(client, q=title, mode="semantic")[0] == "0704.0005"


def test_typos_are_tolerated(loaded: Database, client: TestClient) -> None:
    assert "2405.21060" in _ids(client, q="Transfromers strucured duality", mode="keyword")[:3]


def test_filters(loaded: Database, client: TestClient) -> None:
    hep = _ids(client, q="quark production", mode="keyword", category="hep-ph")
    assert hep
    with loaded.read() as session:
        cats = dict(session.execute(select(Paper.arxiv_id, Paper.categories)).all())
        dates = dict(session.execute(select(Paper.arxiv_id, Paper.published_at)).all())
        repos = dict(session.execute(select(Paper.arxiv_id, Paper.github_repo)).all())
    assert all("hep-ph" in cats[i].split() for i in hep)
    recent = _ids(client, q="model", mode="keyword", **{"from": "2025-10-01", "until": "2025-12-31"}, limit=100)
    assert recent and all(dates[i] and dates[i].year == 2025 for i in recent)
    coded = _ids(client, q="model", mode="hybrid", has_code="true", limit=100)
    assert coded and all(repos[i] for i in coded)


def test_semantic_finds_meaning_without_shared_words(loaded: Database, client: TestClient) -> None:
    # No word in common with "Transformers are SSMs: ... Structured State Space Duality" except via meaning.
    ids = _ids(client, q="linear recurrent sequence models as an alternative to attention", mode="semantic", limit=5)
    assert "2405.21060" in ids


def test_hybrid_fuses_both(loaded: Database, settings: Settings) -> None:
    engine = SearchEngine(loaded, settings)
    engine.refresh_now()
    query = parse_query("diphoton production at hadron colliders")
    with loaded.read() as session:
        keyword = [i for i, _ in engine.ranked_ids(session, query, Mode.keyword, 20)]
        semantic = [i for i, _ in engine.ranked_ids(session, query, Mode.semantic, 20)]
        hybrid = [i for i, _ in engine.ranked_ids(session, query, Mode.hybrid, 20)]
        first = session.scalar(select(Paper.id).where(Paper.arxiv_id == "0704.0001"))
    assert hybrid[0] == first == keyword[0] == semantic[0]
    assert set(hybrid) <= set(keyword) | set(semantic)


def _capped(db: Database) -> SqliteKeyword | PostgresKeyword:
    """A keyword backend with caps this small corpus exceeds, as 100k papers exceed the defaults: SQLite ranks the
    papers with every term, then those with the rarest terms; PostgreSQL ranks 3 candidates per tier."""
    if db.engine.dialect.name == "postgresql":
        return PostgresKeyword(rank_cap=3)
    return SqliteKeyword(scored_rows_cap=1)


def test_capped_keyword_search_still_ranks_the_full_match_first(loaded: Database) -> None:
    # Not the exact title (that would be pinned): every word of the query is in the title of 2405.21060 only.
    query = parse_query("generalized models efficient algorithms structured state space duality")
    with loaded.read() as session:
        hits = _capped(loaded).search(session, query, 20)
        first = session.scalar(select(Paper.id).where(Paper.arxiv_id == "2405.21060"))
    assert hits[0][0] == first
    assert len(hits) > 1  # the papers with only some of the terms follow, scored below
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)


def test_capped_keyword_search_keeps_exact_id_and_title_pinned(loaded: Database, settings: Settings) -> None:
    engine = SearchEngine(loaded, settings)
    engine.keyword = _capped(loaded)
    engine.refresh_now()
    with loaded.read() as session:
        paper_id, title = session.execute(select(Paper.id, Paper.title).where(Paper.arxiv_id == "0704.0005")).one()
        by_id = session.scalar(select(Paper.id).where(Paper.arxiv_id == "0704.0013"))
        for mode in Mode:
            assert engine.ranked_ids(session, parse_query(title), mode, 10)[0][0] == paper_id
            assert engine.ranked_ids(session, parse_query("arXiv:0704.0013v2"), mode, 10)[0][0] == by_id


def test_keyword_works_before_any_vector_exists(db: Database, client: TestClient) -> None:
    load_corpus(db, vectors=False)
    assert _ids(client, q="state space duality")[0] == "2405.21060"  # hybrid falls back to keyword
    assert _ids(client, q="state space duality", mode="semantic") == []


BAD_QUERIES = [
    '"',
    "*",
    "NEAR",
    "NEAR(a b)",
    "-",
    "()",
    '"unterminated',
    "a AND OR NOT b",
    "title:foo",
    "^x",
    "x*",
    "{a b}",
    "ζ-function",
    "🙂 emoji",
    "学习",
    "'; DROP TABLE papers; --",
    "1' OR '1'='1",
    "%_%",
    "\\",
    "\x00nul",
]


@pytest.mark.parametrize("q", BAD_QUERIES)
def test_hostile_queries_never_fail(loaded: Database, client: TestClient, q: str) -> None:
    for mode in ("keyword", "semantic", "hybrid"):
        api = client.get("/api/papers/search", params={"q": q, "mode": mode})
        assert api.status_code in (200, 400), (q, mode, api.text)
        if api.status_code == 400:
            assert api.json()["error"]
        page = client.get("/search", params={"q": q, "mode": mode})
        assert page.status_code in (200, 400), (q, mode)
    with loaded.read() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 119


def test_empty_and_long_queries(loaded: Database, client: TestClient) -> None:
    assert client.get("/search").status_code == 200
    assert client.get("/search", params={"q": ""}).status_code == 200
    empty = client.get("/api/papers/search", params={"q": ""})
    assert empty.status_code == 400 and "no words" in empty.json()["error"]
    long = "x" * 10_240
    response = client.get("/api/papers/search", params={"q": long})
    assert response.status_code == 400 and "limit is 1,000" in response.json()["error"]
    page = client.get("/search", params={"q": long})
    assert page.status_code == 400 and "limit is 1,000" in page.text
    assert client.get("/api/papers/search", params={"q": "x", "limit": 121}).status_code == 422
    assert client.get("/api/papers/search", params={"q": "x", "mode": "magic"}).status_code == 422
    assert client.get("/api/papers/search", params={"q": "x", "from": "yesterday"}).status_code == 400


def test_search_page_highlights_and_pages(loaded: Database, client: TestClient) -> None:
    html = client.get("/search", params={"q": "models", "mode": "keyword"}).text
    assert "<mark>" in html and "results for “models”" in html
    assert "Page 1 of" in html
    second = client.get("/search", params={"q": "models", "mode": "keyword", "page": 2})
    assert "Page 2 of" in second.text


def test_htmx_gets_only_the_results(loaded: Database, client: TestClient) -> None:
    fragment = client.get("/search", params={"q": "diffusion"}, headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and 'class="results"' in fragment
    assert "<html" in client.get("/search", params={"q": "diffusion"}).text


def test_every_page_has_the_search_box(loaded: Database, client: TestClient) -> None:
    for path in ("/", "/papers/2405.21060", "/papers/week/2025-W44", "/search"):
        assert 'action="/search"' in client.get(path).text


def test_similar_papers(loaded: Database, client: TestClient, settings: Settings) -> None:
    html = client.get("/papers/0704.0001").text
    assert "Similar papers" in html
    with loaded.read() as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "0704.0001"))
        assert paper is not None
        engine = SearchEngine(loaded, settings)
        engine.refresh_now()
        similar = engine.similar(session, paper)
    assert similar and all(r.arxiv_id != "0704.0001" for r in similar)


def test_embedding_job_and_invalidation(db: Database, settings: Settings) -> None:
    load_days(db, FIXTURES / "hf_days" / "2024-06-03.json")
    embedder = get_embedder(settings)
    assert pending_count(db, embedder.model_id) == 6
    assert embed_pending(db, embedder) == 6
    assert pending_count(db, embedder.model_id) == 0
    assert embed_pending(db, embedder) == 0
    # A new title makes the old vector stale: it is dropped in the same transaction, and re-made by the job.
    import json as jsonlib

    data = jsonlib.loads((FIXTURES / "hf_days" / "2024-06-03.json").read_text())
    data[0]["title"] = data[0]["paper"]["title"] = "A New Title for the Same Paper"
    path = settings.data_dir / "2024-06-03.json"
    path.write_text(jsonlib.dumps(data))
    load_days(db, path)
    assert pending_count(db, embedder.model_id) == 1
    assert pending_count(db, "another-model") == 6  # a model change re-embeds everything


def test_cli_search_and_index(env_settings: Settings, db: Database) -> None:
    load_days(db, FIXTURES / "hf_days" / "2024-06-03.json")
    status = runner.invoke(cli, ["index", "status"])
    assert "6 papers without a" in status.output
    result = runner.invoke(cli, ["index", "embed", "--batch-size", "4"])
    assert result.exit_code == 0, result.output
    assert "6 papers embedded; 0 left" in result.output
    found = runner.invoke(cli, ["search", "state space duality", "--json", "--limit", "3"])
    assert found.exit_code == 0, found.output
    rows = [json.loads(line) for line in found.output.splitlines() if line.startswith("{")]
    assert rows[0]["id"] == "2405.21060"
    table = runner.invoke(cli, ["search", "2405.21060", "--mode", "keyword"])
    assert "2405.21060" in table.output
    bad = runner.invoke(cli, ["search", "!!!"])
    assert bad.exit_code == 2 and "no words" in bad.output


def test_huggingface_hub_list_papers(loaded: Database, live_server: str) -> None:
    from huggingface_hub import HfApi

    papers = list(HfApi(endpoint=live_server, token=False).list_papers(query="state space duality"))
    assert papers and papers[0].id == "2405.21060"
    assert papers[0].title and papers[0].authors


@pytest.mark.sqlite_only
def test_sqlite_uses_the_in_memory_vector_index(loaded: Database, settings: Settings) -> None:
    from dailypapers.search.vectors.memory import VectorIndex

    assert isinstance(SearchEngine(loaded, settings).index, VectorIndex)


@pytest.mark.postgresql_only
def test_postgresql_uses_pgvector_when_the_extension_is_there(loaded: Database, settings: Settings) -> None:
    from dailypapers.search.vectors.memory import VectorIndex
    from dailypapers.search.vectors.pgvector import PgVectorIndex, has_pgvector

    if not has_pgvector(loaded):
        message = "this PostgreSQL has no pgvector (scripts/ensure_pgvector.sh builds it; `make test` runs it)"
        if REQUIRE_POSTGRES:  # CI: a missing extension must not pass as a skip
            pytest.fail(f"{message}; DAILYPAPERS_REQUIRE_POSTGRES=1 makes this a failure")
        pytest.skip(message)
    engine = SearchEngine(loaded, settings)
    engine.refresh_now()
    index = engine.index
    assert isinstance(index, PgVectorIndex) and len(index) == 119
    exact = VectorIndex(loaded, index.model_id, index.dim)
    exact.refresh()
    query = get_embedder(settings).embed(["diphoton production at hadron colliders"])[0]
    approximate = [pid for pid, _ in index.search(query, 10)]
    assert len(set(approximate) & {pid for pid, _ in exact.search(query, 10)}) >= 9  # recall@10 vs exact
