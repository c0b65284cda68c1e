"""The enrichment sources' parsers: a chat model's answer, Hugging Face's paper object (a recorded one), and
GitHub repository addresses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dailypapers.sources.github import repo_path
from dailypapers.sources.hf_papers import parse_paper
from dailypapers.sources.llm import KEYWORDS_MAX, parse_answer

HF_PAPERS = Path(__file__).resolve().parents[1] / "fixtures" / "enrich" / "hf_papers.json"


def test_a_plain_json_answer() -> None:
    summary, keywords = parse_answer('{"summary": "It  does\\nthis.", "keywords": ["a", " b ", "", "a", 3]}')
    assert (summary, keywords) == ("It does this.", ("a", "b"))


def test_an_answer_in_a_code_fence_after_a_sentence() -> None:
    content = 'Here is the JSON:\n```json\n{"summary": "Finds X.", "keywords": []}\n```'
    assert parse_answer(content) == ("Finds X.", ())


def test_keywords_are_capped() -> None:
    words = [f"k{i}" for i in range(20)]
    assert len(parse_answer(json.dumps({"summary": "S.", "keywords": words}))[1]) == KEYWORDS_MAX


@pytest.mark.parametrize("content", ["no json here", '{"keywords": ["a"]}', '{"summary": "  "}', "[1, 2]"])
def test_no_usable_summary(content: str) -> None:
    with pytest.raises(ValueError):
        parse_answer(content)


def test_a_recorded_hugging_face_paper() -> None:
    paper = next(p for p in json.loads(HF_PAPERS.read_text()) if p["id"] == "2509.25541")
    meta = parse_paper(paper)
    assert meta.github_repo == "https://github.com/wangqinsi1/Vision-Zero"
    assert meta.upvotes == paper["upvotes"] and meta.ai_summary == paper["ai_summary"].strip()
    assert meta.ai_keywords == tuple(paper["ai_keywords"])
    assert parse_paper({"id": "2509.25541", "upvotes": True, "ai_keywords": []}).upvotes is None
    with pytest.raises(ValueError):
        parse_paper(["not", "a", "paper"])


def test_repo_path() -> None:
    assert repo_path("https://github.com/Owner/Repo.git") == "Owner/Repo"
    assert repo_path("https://github.com/owner/repo/tree/main/x") == "owner/repo"
    assert repo_path("https://gitlab.com/owner/repo") is None
    assert repo_path("https://github.com/owner") is None
