"""The HF-compatible JSON API through HTTP."""

import json

import pytest
from fastapi.testclient import TestClient

from dailypapers.db import Database
from tests.conftest import HF_DAYS
from tests.factories import load_days


@pytest.fixture
def loaded(db: Database) -> Database:
    load_days(db)
    return db


def test_daily_papers_for_a_date_has_hf_shape(loaded: Database, client: TestClient) -> None:
    response = client.get("/api/daily_papers", params={"date": "2024-06-03"})
    assert response.status_code == 200
    items = response.json()
    source = {i["paper"]["id"]: i for i in json.loads((HF_DAYS / "2024-06-03.json").read_text())}
    assert {i["paper"]["id"] for i in items} == set(source)
    for item in items:
        original = source[item["paper"]["id"]]
        assert set(item) >= {"paper", "publishedAt", "title", "summary", "numComments"}
        assert item["paper"]["upvotes"] == original["paper"]["upvotes"]
        assert [a["name"] for a in item["paper"]["authors"]] == [a["name"] for a in original["paper"]["authors"]]
        assert item["publishedAt"].startswith(original["publishedAt"][:19])
        assert item["paper"]["publishedAt"].startswith(original["paper"]["publishedAt"][:19])
        assert all(isinstance(a["_id"], str) for a in item["paper"]["authors"])


def test_sort_and_paging(loaded: Database, client: TestClient) -> None:
    newest = client.get("/api/daily_papers", params={"limit": 5}).json()
    assert len(newest) == 5
    stamps = [i["publishedAt"] for i in newest]
    assert stamps == sorted(stamps, reverse=True)
    page1 = client.get("/api/daily_papers", params={"limit": 5, "p": 1}).json()
    assert not {i["paper"]["id"] for i in newest} & {i["paper"]["id"] for i in page1}
    trending = client.get("/api/daily_papers", params={"week": "2025-W44", "sort": "trending", "limit": 100}).json()
    assert len(trending) == 63


def test_month_and_submitter_filters(loaded: Database, client: TestClient) -> None:
    month = client.get("/api/daily_papers", params={"month": "2025-10", "limit": 100}).json()
    assert len(month) == 63
    submitter = month[0]["submittedBy"]["name"]
    mine = client.get("/api/daily_papers", params={"submitter": submitter, "limit": 100}).json()
    assert mine and all(i["submittedBy"]["name"] == submitter for i in mine)
    assert client.get("/api/daily_papers", params={"submitter": "nobody-at-all"}).json() == []


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"date": "2025-13-01"}, 400, "not a valid date"),
        ({"date": "yesterday"}, 400, "expected YYYY-MM-DD"),
        ({"week": "2025-W99"}, 400, "no week 99"),
        ({"month": "2025-13"}, 400, "not a valid month"),
        ({"date": "2025-10-29", "week": "2025-W44"}, 400, "at most one of date, week and month"),
        ({"limit": 0}, 422, "limit"),
        ({"limit": 101}, 422, "less than or equal to 100"),
        ({"limit": "ten"}, 422, "limit"),
        ({"p": -1}, 422, "p:"),
        ({"sort": "random"}, 422, "sort"),
    ],
)
def test_bad_parameters(client: TestClient, params: dict[str, object], status: int, message: str) -> None:
    response = client.get("/api/daily_papers", params=params)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_paper_info(loaded: Database, client: TestClient) -> None:
    response = client.get("/api/papers/2405.21060")
    assert response.status_code == 200
    paper = response.json()
    assert paper["id"] == "2405.21060"
    assert paper["upvotes"] == 27
    assert [a["name"] for a in paper["authors"]] == ["Tri Dao", "Albert Gu"]
    assert paper["submittedOnDailyAt"].startswith("2024-06-03")
    assert client.get("/api/papers/2405.21060v3").json()["id"] == "2405.21060"


@pytest.mark.parametrize("paper_id", ["2501.99999", "garbage", "hep-th/9901001"])
def test_unknown_papers_are_404(loaded: Database, client: TestClient, paper_id: str) -> None:
    response = client.get(f"/api/papers/{paper_id}")
    assert response.status_code == 404
    assert "Paper not found" in response.json()["error"]


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/daily_papers" in spec["paths"]
    assert "/api/papers/{paper_id}" in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/api/daily_papers"]["get"]["parameters"]}
    filters = {"category", "exclude_category", "exclude", "has_code", "min_upvotes", "author"}  # papers/filters.py
    assert params == {"date", "week", "month", "submitter", "sort", "p", "limit", *filters}
