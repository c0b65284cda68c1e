"""DAILYPAPERS_SMTP_HOST without DAILYPAPERS_EMAIL_BACKEND sends through SMTP: the console default used to
count digests as "sent" that only went to the log. An explicitly chosen backend always wins, and the console
backend says that it delivered nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dailypapers.app import create_app
from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.digests import subscriptions
from dailypapers.digests.models import Frequency
from dailypapers.digests.outbox import compose
from dailypapers.digests.schedule import covering
from dailypapers.jobs.scheduler import run_job
from dailypapers.wiring import all_jobs
from tests.factories import csrf_from, load_days
from tests.smtp import SmtpSink

runner = CliRunner()
DAY = "2025-10-29"  # 24 papers in tests/fixtures/hf_days


@pytest.fixture
def smtp_env(env_settings: Settings, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the SMTP server is configured, as an operator would: no DAILYPAPERS_EMAIL_BACKEND."""
    monkeypatch.delenv("DAILYPAPERS_EMAIL_BACKEND", raising=False)
    monkeypatch.setenv("DAILYPAPERS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DAILYPAPERS_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("DAILYPAPERS_SMTP_SECURITY", "none")
    monkeypatch.setenv("DAILYPAPERS_DIGEST_SEND_RATE", "0")


def subscribe(db: Database, email: str) -> None:
    with db.write() as session:
        subscriptions.add(session, email, "daily", "", "", confirmed=True)


def test_digest_send_uses_the_smtp_host(smtp_env: None, db: Database, smtp_sink: SmtpSink) -> None:
    load_days(db)
    subscribe(db, "reader@example.org")
    result = runner.invoke(cli, ["digest", "send", "--period", "daily", "--date", DAY])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output and "delivered none" not in result.output
    assert [r.recipients for r in smtp_sink.received] == [("reader@example.org",)]


def test_the_server_sends_account_mail_and_digests_through_it(
    smtp_env: None, db: Database, smtp_sink: SmtpSink
) -> None:
    settings = Settings()  # from the environment, as `dailypapers serve` reads it
    assert settings.email_backend == "smtp"
    with TestClient(create_app(settings, db)) as client:
        token = csrf_from(client.get("/signup").text)
        form = {"username": "ada", "email": "ada@example.org", "password": "correct horse battery 1", "fullname": ""}
        assert client.post("/signup", data={**form, "csrf_token": token}).status_code == 200
    assert [r.recipients for r in smtp_sink.received] == [("ada@example.org",)]
    # The scheduled digest job of the same server drains what is pending (composed for a day with papers).
    load_days(db)
    subscribe(db, "reader@example.org")
    compose(db, settings, covering(Frequency.daily, dt.date.fromisoformat(DAY)))
    [job] = [j for j in all_jobs() if j.name == "digests"]
    report = run_job(job, db, settings)
    assert report.status == "ran" and "1 sent" in report.report, report
    assert [r.recipients for r in smtp_sink.received][1:] == [("reader@example.org",)]


def test_an_explicit_console_backend_wins_and_says_nothing_was_delivered(
    smtp_env: None, db: Database, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAILYPAPERS_EMAIL_BACKEND", "console")
    load_days(db)
    subscribe(db, "reader@example.org")
    result = runner.invoke(cli, ["digest", "send", "--period", "daily", "--date", DAY])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert "DAILYPAPERS_EMAIL_BACKEND=console wrote these digests to the log and delivered none" in result.output
    assert smtp_sink.received == []  # the command has finished: anything sent would be here
