"""The OpenAPI spec says what the server does (issue #11): each constraint read from /openapi.json is checked
against the server's answers, so the spec and the handlers cannot drift apart silently."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dailypapers.db import Database
from dailypapers.papers.ids import ARXIV_ID_PATTERN
from dailypapers.search.query import MAX_QUERY_CHARS
from dailypapers.web.params import MAX_ID
from tests.factories import api_token, load_days, make_user

PAPER = "2510.26692"


@pytest.fixture
def spec(db: Database, client: TestClient) -> dict[str, Any]:
    load_days(db)
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def _url(path: str) -> str:
    return path.replace("{paper_id}", PAPER)


def _params(op: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op.get("parameters", []) if p["in"] == where}


def test_the_401s_listed_are_the_401s_answered(spec: dict[str, Any], client: TestClient) -> None:
    operations = _operations(spec)
    assert len(operations) >= 10
    listed, answered = set(), set()
    for method, path, op in operations:
        if "401" in op["responses"]:
            listed.add((method, path))
        query = {"q": "model"} if "q" in _params(op, "query") else {}
        response = client.request(method, _url(path), params=query, json={"body": "x", "arxivId": PAPER})
        if response.status_code == 401:
            answered.add((method, path))
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert "API token" in response.json()["error"]
    assert listed == answered
    # The routes a token is for are all among them.
    assert {("GET", "/api/whoami-v2"), ("GET", "/api/for-you"), ("PUT", "/api/papers/{paper_id}/vote")} <= listed
    assert ("GET", "/api/papers/{paper_id}/comments") not in listed  # public


def test_integer_bounds_in_the_spec_are_the_servers(db: Database, spec: dict[str, Any], client: TestClient) -> None:
    token = api_token(db, make_user(db, "ada"))
    checked = 0
    for method, path, op in _operations(spec):
        if method != "GET":
            continue
        for name, param in _params(op, "query").items():
            schema = param["schema"]
            if schema.get("type") != "integer":
                continue
            base = {"q": "model"} if "q" in _params(op, "query") and name != "q" else {}
            headers = {"Authorization": f"Bearer {token}"}
            for bound, outside in (("maximum", 1), ("minimum", -1)):
                assert bound in schema, (path, name, bound)  # every integer parameter is bounded
                edge = int(schema[bound])
                inside = client.get(_url(path), params={**base, name: edge}, headers=headers)
                assert inside.status_code == 200, (path, name, edge, inside.text)
                beyond = client.get(_url(path), params={**base, name: edge + outside}, headers=headers)
                assert beyond.status_code == 422 and name in beyond.json()["error"], (path, name, edge + outside)
                checked += 1
    assert checked >= 8
    parent = spec["components"]["schemas"]["CommentIn"]["properties"]["parentId"]["anyOf"][0]
    assert (parent["type"], parent["minimum"], parent["maximum"]) == ("integer", 1, MAX_ID)


def test_paper_ids_follow_the_documented_pattern(spec: dict[str, Any], client: TestClient) -> None:
    paper_routes = [(m, p, op) for m, p, op in _operations(spec) if "{paper_id}" in p]
    assert len(paper_routes) >= 6
    for _, path, op in paper_routes:
        schema = _params(op, "path")["paper_id"]["schema"]
        assert schema["pattern"] == ARXIV_ID_PATTERN, path
    pattern = re.compile(ARXIV_ID_PATTERN)
    for good in (PAPER, f"{PAPER}v2"):
        assert pattern.match(good) and client.get(f"/api/papers/{good}").status_code == 200
    for bad in ("2510.266", "hello", "2510.26692v", "HEP-TH/9901001"):
        assert not pattern.match(bad) and client.get(f"/api/papers/{bad}").status_code == 404


def test_period_parameters_document_one_of_and_their_formats(spec: dict[str, Any], client: TestClient) -> None:
    params = _params(spec["paths"]["/api/daily_papers"]["get"], "query")
    examples = {"date": ("2025-10-29", "2025-W44"), "week": ("2025-W44", "2025-10"), "month": ("2025-10", "2025")}
    for name, (good, bad) in examples.items():
        assert "at most one of date, week and month" in params[name]["description"]
        pattern = re.compile(params[name]["schema"]["pattern"])
        assert pattern.match(good) and not pattern.match(bad)
        assert client.get("/api/daily_papers", params={name: good}).status_code == 200
        assert client.get("/api/daily_papers", params={name: bad}).status_code == 400
    both = client.get("/api/daily_papers", params={"date": "2025-10-29", "week": "2025-W44"})
    assert both.status_code == 400 and "at most one" in both.json()["error"]
    search = _params(spec["paths"]["/api/papers/search"]["get"], "query")
    for name in ("from", "until"):
        assert search[name]["schema"]["pattern"] == params["date"]["schema"]["pattern"]
        assert client.get("/api/papers/search", params={"q": "model", name: "20251029"}).status_code == 400


def test_the_query_length_in_the_spec_is_the_servers(spec: dict[str, Any], client: TestClient) -> None:
    q = _params(spec["paths"]["/api/papers/search"]["get"], "query")["q"]["schema"]
    assert (q["minLength"], q["maxLength"]) == (1, MAX_QUERY_CHARS)
    longest = client.get("/api/papers/search", params={"q": "model " * (MAX_QUERY_CHARS // 6)})
    assert longest.status_code == 200
    too_long = client.get("/api/papers/search", params={"q": "m" * (MAX_QUERY_CHARS + 1)})
    assert too_long.status_code == 400 and f"limit is {MAX_QUERY_CHARS:,}" in too_long.json()["error"]
    assert client.get("/api/papers/search", params={"q": ""}).status_code == 400
