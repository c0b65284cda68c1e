"""Requests only read the vectors; the search engine's refresher thread (or refresh_now) brings them up to date.
On SQLite and PostgreSQL (pgvector when the extension is there, else the in-memory index)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.search.models import PaperVector
from dailypapers.search.services import SearchEngine
from dailypapers.search.vectors.pgvector import has_pgvector
from tests.conftest import FIXTURES
from tests.factories import load_corpus, load_days

runner = CliRunner()
# Shares no word with "Transformers are SSMs: ... Structured State Space Duality" (2405.21060).
MEANING = "linear recurrent sequence models as an alternative to attention"


def _semantic(client: TestClient) -> list[str]:
    response = client.get("/api/papers/search", params={"q": MEANING, "mode": "semantic", "limit": 5})
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()]


def _unfilled(db: Database) -> int:
    """Stored vectors whose pgvector column is still empty (only the refresher and the embed job fill it)."""
    with db.read() as session:
        return int(session.scalar(text("SELECT count(*) FROM paper_vectors WHERE embedding IS NULL")) or 0)


def test_requests_only_read_the_vectors(app: FastAPI, db: Database) -> None:
    engine: SearchEngine = app.state.search
    engine.refresh_seconds = 3600.0  # the refresher's only round in this test is the load at start-up
    with TestClient(app) as client:
        load_corpus(db)  # 119 vectors stored after the start
        pgvector = has_pgvector(db)
        assert _semantic(client) == []
        assert client.get("/papers/2405.21060").status_code == 200  # similar papers: the keyword fallback
        assert client.get("/search", params={"q": MEANING, "mode": "hybrid"}).status_code == 200
        assert len(engine.index) == 0
        if pgvector:
            assert _unfilled(db) == 119  # no request copied a vector into the pgvector column
        engine.refresh_now()
        assert len(engine.index) == 119
        assert "2405.21060" in _semantic(client)
        if pgvector:
            assert _unfilled(db) == 0


def test_the_refresher_thread_picks_up_index_embed(env_settings: Settings, db: Database, app: FastAPI) -> None:
    load_days(db, FIXTURES / "hf_days" / "2024-06-03.json")
    engine: SearchEngine = app.state.search
    engine.refresh_seconds = 0.05
    with TestClient(app) as client:
        assert engine.running
        assert _semantic(client) == []
        result = runner.invoke(cli, ["index", "embed"])
        assert result.exit_code == 0, result.output
        assert engine.wait_for_refresh(timeout=60)
        assert len(engine.index) == 6
        assert "2405.21060" in _semantic(client)
        with db.read() as session:
            paper = session.scalar(select(PaperVector.paper_id).limit(1))
        assert paper is not None and engine.index.vector_of(paper) is not None  # similar papers use vectors now
    assert not engine.running  # stopped with the app
    assert not engine.wait_for_refresh(timeout=1)
