"""Without network, the log says what is retried, why, and when: not a bare ``stamina.retry_scheduled``."""

from __future__ import annotations

import logging
import re
import socket

import pytest

from dailypapers.config import Settings
from dailypapers.sources.http import SourceClient, SourceError


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released: connecting to it is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_each_retry_is_one_line_that_says_what_why_and_when(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    url = f"http://127.0.0.1:{closed_port()}/api/query"
    with SourceClient(Settings(), attempts=3) as client, pytest.raises(SourceError, match="after 3 attempts"):
        client.get(url, {"id_list": "2405.21060"}, expect=("xml",))
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "stamina.retry_scheduled" not in messages
    pattern = re.escape(f"GET {url}?id_list=2405.21060 failed (ConnectError: ") + r".+\); retry (\d)/2 in (\d+\.\d) s"
    retries = [re.fullmatch(pattern, m) for m in messages]
    assert all(retries) and [m.group(1) for m in retries if m] == ["1", "2"], messages
    # The wait said is the backoff stamina scheduled (real waits here, not its testing mode's zeros).
    assert all(float(m.group(2)) > 0.0 for m in retries if m)


def test_installing_the_hook_twice_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    url = f"http://127.0.0.1:{closed_port()}/"
    first, second = SourceClient(Settings(), attempts=2), SourceClient(Settings(), attempts=2)
    with first, second, pytest.raises(SourceError):
        second.get(url, expect=("json",))
    assert len([r for r in caplog.records if "retry 1/1" in r.getMessage()]) == 1
