"""A setting that cannot work is refused at start, in one line that names the variable and says how to fix it
(through the real command and the served app factory, as an operator meets it), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from dailypapers.config import Settings

CASES = [
    ({"DAILYPAPERS_BASE_URL": "notaurl"}, "error: DAILYPAPERS_BASE_URL: not an absolute http(s) URL: 'notaurl'"),
    ({"DAILYPAPERS_EMBEDDER": "openai"}, "error: DAILYPAPERS_EMBEDDER=openai needs DAILYPAPERS_EMBEDDING_URL"),
    ({"DAILYPAPERS_SMTP_PORT": "abc"}, "error: DAILYPAPERS_SMTP_PORT: Input should be a valid integer"),
    (
        {"DAILYPAPERS_EMBEDDER": "bert"},
        "error: DAILYPAPERS_EMBEDDER: Input should be 'minilm' or 'openai' (got 'bert')",
    ),
    ({"DAILYPAPERS_ENV": "production"}, "error: DAILYPAPERS_SECRET_KEY must be set"),
]


def run(args: list[str], extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    env.update({"DAILYPAPERS_DATA_DIR": str(tmp_path), **extra})
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.parametrize(("extra", "expected"), CASES)
def test_the_cli_says_what_is_wrong_in_one_line(extra: dict[str, str], expected: str, tmp_path: Path) -> None:
    result = run(["-m", "dailypapers", "digest", "send", "--period", "daily"], extra, tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr  # one line
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_the_served_app_factory_says_it_in_one_line_too(tmp_path: Path) -> None:
    """``uvicorn dailypapers.app:create_served_app --factory`` (and each ``serve --workers N`` process)."""
    code = "from dailypapers.app import create_served_app; create_served_app()"
    result = run(["-c", code], {"DAILYPAPERS_BASE_URL": "notaurl"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: DAILYPAPERS_BASE_URL: not an absolute http(s) URL: 'notaurl'; set it to the site's public address, "
        "as in https://papers.example.org"
    ]


def test_secrets_are_never_repeated(tmp_path: Path) -> None:
    """pydantic's own message repeats every input (``input_value={'secret_key': ...}``); ours does not."""
    extra = {"DAILYPAPERS_ENV": "production", "DAILYPAPERS_SECRET_KEY": "short-secret"}
    result = run(["-m", "dailypapers", "db", "upgrade"], extra, tmp_path)
    assert result.returncode == 2 and "DAILYPAPERS_SECRET_KEY" in result.stderr
    assert "short-secret" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "url", ["notaurl", "papers.example.org", "ftp://papers.example.org", "https://", "//x.org", "https://x.org/?a=1"]
)
def test_base_url_must_be_absolute(url: str) -> None:
    with pytest.raises(ValidationError, match="not an absolute http"):
        Settings(base_url=url)


def test_base_url_keeps_a_path_without_its_slash() -> None:
    assert Settings(base_url="https://example.org/papers/").base_url == "https://example.org/papers"


def test_an_openai_embedder_needs_its_url() -> None:
    with pytest.raises(ValidationError, match="DAILYPAPERS_EMBEDDING_URL"):
        Settings(embedder="openai")
    assert Settings(embedder="openai", embedding_url="http://127.0.0.1:9/v1").embedder == "openai"
