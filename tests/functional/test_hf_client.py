"""Acceptance: the huggingface_hub client, unchanged, against our server on a loopback port."""

import json
from typing import Any

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from dailypapers.db import Database
from dailypapers.papers.records import clean_line, parse_timestamp
from tests.conftest import HF_DAYS
from tests.factories import load_days


@pytest.fixture
def api(db: Database, live_server: str, monkeypatch: pytest.MonkeyPatch) -> HfApi:
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    load_days(db)
    return HfApi(endpoint=live_server, token=False)


def _source(day: str) -> dict[str, dict[str, Any]]:
    return {item["paper"]["id"]: item for item in json.loads((HF_DAYS / f"{day}.json").read_text())}


@pytest.mark.parametrize("day", ["2024-06-03", "2025-10-29"])
def test_list_daily_papers_matches_the_source(api: HfApi, day: str) -> None:
    source = _source(day)
    papers = list(api.list_daily_papers(date=day, limit=100))
    assert {p.id for p in papers} == set(source)
    for paper in papers:
        original = source[paper.id]
        assert paper.title == clean_line(original["title"])
        assert [a.name for a in paper.authors or []] == [a["name"] for a in original["paper"]["authors"]]
        assert paper.upvotes == original["paper"]["upvotes"]
        assert paper.published_at == parse_timestamp(original["paper"]["publishedAt"])
        assert paper.submitted_at == parse_timestamp(original["publishedAt"])
        assert paper.summary
        if original.get("submittedBy"):
            assert paper.submitted_by is not None
            assert paper.submitted_by.username == original["submittedBy"]["name"]


def test_week_month_sort_and_paging_through_the_client(api: HfApi) -> None:
    week = list(api.list_daily_papers(week="2025-W44", limit=100))
    assert len(week) == 63
    month = list(api.list_daily_papers(month="2025-10", sort="trending", limit=100))
    assert {p.id for p in month} == {p.id for p in week}
    first = list(api.list_daily_papers(week="2025-W44", limit=10, p=0))
    second = list(api.list_daily_papers(week="2025-W44", limit=10, p=1))
    assert len(first) == len(second) == 10
    assert not {p.id for p in first} & {p.id for p in second}
    submitter = week[0].submitted_by
    assert submitter is not None and submitter.username
    mine = list(api.list_daily_papers(submitter=submitter.username, limit=100))
    assert mine and all(p.submitted_by is not None and p.submitted_by.username == submitter.username for p in mine)


def test_paper_info_matches_the_source(api: HfApi) -> None:
    original = _source("2025-10-29")
    arxiv_id = next(iter(original))
    info = api.paper_info(arxiv_id)
    item = original[arxiv_id]
    assert info.id == arxiv_id
    assert info.title == clean_line(item["paper"]["title"])
    assert [a.name for a in info.authors or []] == [a["name"] for a in item["paper"]["authors"]]
    assert info.upvotes == item["paper"]["upvotes"]
    assert info.published_at == parse_timestamp(item["paper"]["publishedAt"])
    assert info.github_repo == item["paper"].get("githubRepo")
    assert info.ai_summary == item["paper"].get("ai_summary")
    assert info.submitted_at is not None and info.submitted_at.date().isoformat() == "2025-10-29"


def test_unknown_paper_raises_the_clients_404(api: HfApi) -> None:
    with pytest.raises(HfHubHTTPError) as info:
        api.paper_info("2501.99999")
    assert info.value.response is not None and info.value.response.status_code == 404
