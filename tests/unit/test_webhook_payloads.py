"""Webhook bodies and requests, without a network: escaping per service, the Discord cap, the HMAC against a
value computed by openssl, the Matrix transaction URL, and the URLs we refuse."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dailypapers.config import Settings
from dailypapers.webhooks import payloads
from dailypapers.webhooks.models import Service
from dailypapers.webhooks.payloads import Post, PostedPaper
from dailypapers.webhooks.transport import InvalidWebhookUrl, check_url, prepare, sign

HOSTILE = "<b>&</b> [x](javascript:alert(1)) @everyone $\\alpha$"


def post(count: int = 3, title: str = HOSTILE) -> Post:
    papers = [
        PostedPaper(
            f"2510.{i:05d}",
            title,
            f"https://p.example.org/papers/2510.{i:05d}",
            i,
            ["A", "B", "C", "D"],
            "Summary.",
            ["cs.CL"],
        )
        for i in range(count)
    ]
    return Post("Lab <Papers>", dt.date(2025, 10, 29), "https://p.example.org/papers/date/2025-10-29", papers, "d1")


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # printf '1764688200.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    expected = "sha256=ba2fb1f76e38d116851e2ae09074dd751b69d51b98597ba3c58d335a6a5ad5b6"
    assert sign("s3cret", "1764688200", b'{"a":1}') == expected
    assert sign("s3cret", "1764688201", b'{"a":1}') != expected  # the timestamp is signed too


def test_each_service_escapes_what_it_must() -> None:
    slack = payloads.slack(post())
    section = slack["blocks"][1]["text"]["text"]
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in section and "<b>" not in section
    assert slack["blocks"][-1]["elements"][0]["text"].endswith("Lab &lt;Papers&gt;>")
    matrix = payloads.matrix(post())
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in matrix["formatted_body"] and HOSTILE in matrix["body"]
    mattermost = payloads.mattermost(post())["text"]
    assert "\\[x\\](javascript:alert(1))" in mattermost  # the title cannot end the link or start another
    discord = payloads.discord(post(12))
    assert len(discord["embeds"]) == 10 and discord["allowed_mentions"] == {"parse": []}
    assert payloads.discord(post(1, "t" * 300))["embeds"][0]["title"].endswith("…")
    assert "A, B, C and 1 more" in discord["embeds"][0]["description"]
    generic = json.loads(payloads.body(Service.generic, post()))
    assert generic["papers"][0]["title"] == HOSTILE and generic["deliveryId"] == "d1"


def test_requests_per_service() -> None:
    settings = Settings()
    body = payloads.body(Service.generic, post())
    signed = prepare(settings, Service.generic, "https://r.example.org/in", "k", body, "d1", 1764688200.7)
    assert signed.method == "POST" and signed.headers["X-Dailypapers-Timestamp"] == "1764688200"
    assert signed.headers["X-Dailypapers-Signature"] == sign("k", "1764688200", body.encode())
    assert signed.headers["X-Dailypapers-Delivery"] == "d1"
    room = "https://m.example.org/_matrix/client/v3/rooms/!r:example.org/send/m.room.message"
    matrix = prepare(settings, Service.matrix, room, "syt_x", "{}", "d1", 0)
    assert matrix.method == "PUT" and matrix.url == f"{room}/d1" and matrix.headers["Authorization"] == "Bearer syt_x"
    slack = prepare(settings, Service.slack, "https://hooks.slack.com/services/T/B/X", None, "{}", "d1", 0)
    assert "Authorization" not in slack.headers and "X-Dailypapers-Signature" not in slack.headers


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://x.org/", "javascript:alert(1)", "https://", "//x.org/a", "http://x.org:port/",
     "https://x.org/a b", "x.org/hook", "https://x.org/" + "a" * 2000],
)  # fmt: skip
def test_urls_we_refuse(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_url(url)


def test_urls_we_take() -> None:
    assert check_url("  https://hooks.slack.com/services/T/B/X ") == "https://hooks.slack.com/services/T/B/X"
    assert check_url("http://127.0.0.1:8065/hooks/x") == "http://127.0.0.1:8065/hooks/x"
