"""What our e-mails look like on the wire: the raw bytes the SMTP server receives, not the stdlib's parse of
them (which decodes RFC 2047 encoded-words and so hides the very bug these tests look for: a List-Unsubscribe
URL folded into ``=?utf-8?q?=3Chttps...`` that mail clients cannot use for one-click unsubscribe)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dailypapers.app import create_app
from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.digests import subscriptions
from tests.factories import csrf_from, load_days, make_user
from tests.smtp import SmtpSink

runner = CliRunner()
DAY = "2025-10-29"  # 24 papers in tests/fixtures/hf_days
MAX_LINE_BYTES = 998  # RFC 5322 §2.1.1


def header_lines(raw: bytes) -> list[str]:
    """The physical lines of the header block, as sent (continuation lines start with white space)."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    return head.decode("ascii").splitlines()  # headers on the wire are 7-bit: anything else fails here


def header(lines: list[str], name: str) -> list[str]:
    """The physical lines of header ``name``: its first line and any continuation lines."""
    for index, line in enumerate(lines):
        if line.lower().startswith(name.lower() + ":"):
            continuation = []
            for cont in lines[index + 1 :]:
                if not cont[:1].isspace():
                    break
                continuation.append(cont)
            return [line, *continuation]
    raise AssertionError(f"no {name} header in {lines}")


def assert_common_headers(raw: bytes) -> list[str]:
    lines = header_lines(raw)
    assert all(len(line.encode()) <= MAX_LINE_BYTES for line in lines)
    assert re.fullmatch(r"Message-ID: <[!-~]+@papers\.example\.org>", " ".join(header(lines, "Message-ID")))
    [date] = header(lines, "Date")
    assert re.fullmatch(r"Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}", date)
    return lines


@pytest.mark.parametrize("site_name", ["Daily Papers", "Revue des prépublications"])
def test_digest_headers_are_plain_on_the_wire(
    mail_settings: Settings, db: Database, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch, site_name: str
) -> None:
    monkeypatch.setenv("DAILYPAPERS_SITE_NAME", site_name)
    load_days(db)
    with db.write() as session:
        subscriptions.add(session, "all@example.org", "daily", "", "", confirmed=True)
    result = runner.invoke(cli, ["digest", "send", "--period", "daily", "--date", DAY])
    assert result.exit_code == 0, result.output
    [received] = smtp_sink.received
    lines = assert_common_headers(received.raw)
    # One physical line each, exactly as RFC 2369 / RFC 8058 write them: no encoded-words, no folding.
    [unsubscribe] = header(lines, "List-Unsubscribe")
    assert re.fullmatch(r"List-Unsubscribe: <https://papers\.example\.org/unsubscribe\?token=[!-=?-~]+>", unsubscribe)
    assert header(lines, "List-Unsubscribe-Post") == ["List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    [message_id] = header(lines, "Message-ID")
    assert re.fullmatch(r"Message-ID: <digest\.\d+\.daily\.2025-10-29@papers\.example\.org>", message_id)
    list_id = " ".join(header(lines, "List-Id"))
    assert list_id.endswith(" <digest.papers.example.org>")
    if site_name.isascii():
        assert not any("=?" in line for line in lines)  # nothing needed encoding, so nothing was encoded
    else:
        # Only the words that need it are encoded (RFC 2047 allows them in phrases, never in URLs or ids).
        assert "=?utf-8?" in list_id
    # The URL a mail client reads from the raw header is the one that unsubscribes.
    url = unsubscribe.split("<", 1)[1].rstrip(">")
    with TestClient(create_app(mail_settings, db), base_url="https://testserver") as client:
        path = url.removeprefix("https://papers.example.org")
        assert client.post(path, content=b"List-Unsubscribe=One-Click").status_code == 200


def test_account_and_subscription_mails_carry_date_and_message_id(
    mail_settings: Settings, db: Database, smtp_sink: SmtpSink
) -> None:
    make_user(db, "ada")
    with TestClient(create_app(mail_settings, db), base_url="https://testserver") as client:
        token = csrf_from(client.get("/signup").text)
        data = {"username": "grace", "email": "grace@example.org", "password": "correct horse battery staple 1"}
        assert client.post("/signup", data={**data, "fullname": "", "csrf_token": token}).status_code == 200
        token = csrf_from(client.get("/reset/request").text)
        client.post("/reset/request", data={"email": "ada@example.org", "csrf_token": token})
        token = csrf_from(client.get("/subscribe", params={"email": "sub@example.org"}).text)
        form = {"email": "sub@example.org", "frequency": "daily", "categories": "", "keywords": "", "csrf_token": token}
        assert client.post("/subscribe", data=form).status_code == 200
    recipients = sorted(r for received in smtp_sink.received for r in received.recipients)
    assert recipients == ["ada@example.org", "grace@example.org", "sub@example.org"]
    ids = set()
    for received in smtp_sink.received:
        lines = assert_common_headers(received.raw)
        assert not any("=?" in line for line in lines)
        ids.add(" ".join(header(lines, "Message-ID")))
    assert len(ids) == 3  # every message its own id
