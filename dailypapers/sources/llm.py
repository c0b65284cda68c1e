"""AI summaries and keywords from an OpenAI-compatible chat endpoint (``POST {url}/chat/completions``).

The model is asked for one JSON object, ``{"summary": "...", "keywords": ["...", ...]}``; answers wrapped in a
Markdown code fence or preceded by a sentence are accepted, anything without a usable summary is an error (so
nothing half-made is stored). No database here: ingest/enrich_llm.py chooses the papers and keeps the budget.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from dailypapers.sources.http import SourceClient, SourceError

SUMMARY_MAX_CHARS = 1_000
KEYWORDS_MAX = 8
KEYWORD_MAX_CHARS = 60
# Low temperature: a summary should restate the abstract, not improvise.
TEMPERATURE = 0.2
SYSTEM_PROMPT = (
    "You summarise research papers for a daily reading list. Answer with one JSON object and nothing else: "
    '{"summary": "<one or two plain sentences, at most 60 words, saying what the paper does and finds>", '
    '"keywords": ["<3 to 6 short lower-case key phrases>"]}. Use only what the title and abstract say.'
)
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class UnusableAnswer(SourceError):
    """The endpoint answered, but not with a usable summary (asking again would likely give the same)."""


@dataclass(frozen=True)
class GeneratedSummary:
    summary: str
    keywords: tuple[str, ...]
    model: str  # the model that answered (as the endpoint names it), stored with the summary


def parse_answer(content: str) -> tuple[str, tuple[str, ...]]:
    """The summary and keywords in a model's answer; raises ValueError when there is no usable summary."""
    match = _OBJECT.search(content)
    if match is None:
        raise ValueError("the answer holds no JSON object")
    data = json.loads(match.group(0))
    summary = data.get("summary") if isinstance(data, dict) else None
    if not isinstance(summary, str) or not summary.strip():
        raise ValueError("the answer has no summary")
    raw = data.get("keywords")
    keywords = (
        [k.strip()[:KEYWORD_MAX_CHARS] for k in raw if isinstance(k, str) and k.strip()]
        if isinstance(raw, list)
        else []
    )
    return " ".join(summary.split())[:SUMMARY_MAX_CHARS], tuple(dict.fromkeys(keywords))[:KEYWORDS_MAX]


class ChatSummarizer:
    def __init__(self, base_url: str, model: str, client: SourceClient, api_key: str = "") -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.client = client
        self.api_key = api_key

    def summarize(self, title: str, abstract: str) -> GeneratedSummary:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {
            "model": self.model,
            "temperature": TEMPERATURE,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Title: {title}\n\nAbstract: {abstract}"},
            ],
        }
        response = self.client.request("POST", self.url, expect=("json",), headers=headers, json_body=body)
        try:
            data: Any = json.loads(response.body)
            content = data["choices"][0]["message"]["content"]
            summary, keywords = parse_answer(str(content))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise UnusableAnswer(f"{self.url}: no usable summary in the answer ({exc})") from exc
        model = data.get("model") if isinstance(data.get("model"), str) and data.get("model") else self.model
        return GeneratedSummary(summary, keywords, str(model)[:200])
