"""Read-only personal API tokens: made in Settings or by ``dailypapers users create-token``; they read the JSON
API and cannot change anything through it (the MCP side is in test_mcp_http.py and test_mcp_stdio.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from dailypapers.accounts.models import ApiToken
from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import Paper
from tests.factories import form_token, load_days, log_in, make_user

runner = CliRunner()
PAPER = "2405.21060"


def _stored(db: Database) -> list[tuple[str, bool]]:
    with db.read() as session:
        return [(t.name, t.read_only) for t in session.scalars(select(ApiToken).order_by(ApiToken.id))]


def test_settings_makes_read_only_and_writing_tokens(client: TestClient, db: Database) -> None:
    make_user(db, "ada")
    log_in(client, "ada")
    for name, access in (("reader", "read"), ("writer", "write")):
        page = client.post("/settings/tokens", data={"name": name, "access": access, "csrf_token": form_token(client)})
        assert page.status_code == 200 and "dp_" in page.text
    assert _stored(db) == [("reader", True), ("writer", False)]
    page = client.get("/settings").text
    assert page.count("read only") == 1 and page.count("read and write") >= 2  # the rows and the form's choice
    default = client.post("/settings/tokens", data={"name": "plain", "csrf_token": form_token(client)})
    assert default.status_code == 200 and _stored(db)[-1] == ("plain", False)  # as before the choice existed
    bad = client.post("/settings/tokens", data={"name": "x", "access": "admin", "csrf_token": form_token(client)})
    assert bad.status_code in (400, 422) and len(_stored(db)) == 3


def test_a_read_only_token_reads_the_api_and_writes_nothing(
    env_settings: Settings, client: TestClient, db: Database
) -> None:
    load_days(db)
    make_user(db, "ada")
    result = runner.invoke(cli, ["users", "create-token", "ada", "--name", "agent", "--read-only"])
    assert result.exit_code == 0, result.output
    auth = {"Authorization": f"Bearer {result.output.strip()}"}
    assert client.get("/api/whoami-v2", headers=auth).json()["name"] == "ada"
    assert client.get("/api/for-you", headers=auth).status_code == 200
    with db.read() as session:
        before = session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == PAPER))
    for method, path, body in (
        ("PUT", f"/api/papers/{PAPER}/vote", None),
        ("POST", f"/api/papers/{PAPER}/vote", None),
        ("POST", f"/api/papers/{PAPER}/comments", {"body": "hello"}),
        ("POST", "/api/papers/submit", {"arxivId": PAPER}),
    ):
        response = client.request(method, path, headers=auth, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert "read-only" in response.json()["error"]
    with db.read() as session:
        assert session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == PAPER)) == before
    assert client.get(f"/api/papers/{PAPER}/comments", headers=auth).json() == []


def test_create_token_cli(env_settings: Settings, db: Database, client: TestClient) -> None:
    make_user(db, "ada")
    result = runner.invoke(cli, ["users", "create-token", "ada", "--name", "script"])
    assert result.exit_code == 0 and result.output.startswith("dp_")
    assert _stored(db) == [("script", False)]
    vote = client.put(f"/api/papers/{PAPER}/vote", headers={"Authorization": f"Bearer {result.output.strip()}"})
    assert vote.status_code == 404  # a writing token reaches the route (no such paper in this database)
    missing = runner.invoke(cli, ["users", "create-token", "nobody", "--name", "x"])
    assert missing.exit_code == 1 and "there is no user nobody" in missing.output
    unnamed = runner.invoke(cli, ["users", "create-token", "ada", "--name", "   "])
    assert unnamed.exit_code == 1 and "Give the token a name" in unnamed.output
