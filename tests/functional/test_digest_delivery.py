"""Composing and sending digests through real SMTP (aiosmtpd): contents and headers, exactly once per
subscriber and period (reruns, failures, a kill -9 in the middle of a send), and the CLI."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import ssl
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import trustme
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from dailypapers.app import create_app
from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.digests import subscriptions
from dailypapers.digests.compose import math_as_text
from dailypapers.digests.models import Frequency, OutboxMessage, Subscription
from dailypapers.digests.outbox import compose, drain
from dailypapers.digests.schedule import covering, latest_due
from dailypapers.email.smtp import SmtpConfigError, SmtpSender
from dailypapers.jobs.scheduler import run_job
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.wiring import all_jobs
from tests.conftest import _free_port
from tests.factories import load_days
from tests.smtp import SmtpSink

runner = CliRunner()
DAY = "2025-10-29"  # 24 papers in tests/fixtures/hf_days


def add(db: Database, email: str, frequency: str = "daily", categories: str = "", keywords: str = "") -> None:
    with db.write() as session:
        subscriptions.add(session, email, frequency, categories, keywords, confirmed=True)


def send(*extra: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["digest", "send", "--period", "daily", "--date", DAY, *extra])
    return result.exit_code, result.output


def test_digest_contents_headers_and_links(mail_settings: Settings, db: Database, smtp_sink: SmtpSink) -> None:
    load_days(db)
    add(db, "all@example.org")
    add(db, "agents@example.org", keywords="agent")
    add(db, "nothing@example.org", keywords="zzzz-no-such-topic")
    add(db, "weekly@example.org", frequency="weekly")
    code, output = send()
    assert code == 0, output
    assert "2 composed, 1 with nothing to send" in output and "2 sent" in output
    assert {r for received in smtp_sink.received for r in received.recipients} == {
        "all@example.org", "agents@example.org",
    }  # fmt: skip
    message = smtp_sink.to("all@example.org")[0].message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"]).strip("<>")
    assert unsubscribe.startswith("https://papers.example.org/unsubscribe?token=")
    assert str(message["Message-ID"]).startswith("<digest.") and "daily.2025-10-29@papers.example.org>" in str(
        message["Message-ID"]
    )
    assert str(message["Subject"]) == "Trending papers of October 29, 2025 (10 papers)"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert text.count("https://papers.example.org/papers/") == 10 and "▲" in text and "Unsubscribe:" in text
    assert 'style="' in html and "<style" not in html  # CSS inlined
    assert html.count('class="paper"') == 10
    # Trending order: the first paper is the period's highest score.
    with db.read() as session:
        top = session.scalar(
            select(Paper.arxiv_id)
            .join(DailyEntry.paper)
            .where(DailyEntry.day == dt.date.fromisoformat(DAY))
            .order_by(Paper.trending_score.desc())
        )
    assert text.index(f"https://papers.example.org/papers/{top}") == text.index("https://papers.example.org/papers/")
    # What a filtered subscriber gets is checked paper by paper in test_each_listed_paper_matches_the_filters.
    # The unsubscribe link in the header works, without cookies.
    with TestClient(create_app(mail_settings, db), base_url="https://testserver") as client:
        path = unsubscribe.removeprefix("https://papers.example.org")
        assert client.post(path, content=b"List-Unsubscribe=One-Click").status_code == 200
    with db.read() as session:
        assert (
            session.scalars(select(Subscription.status).where(Subscription.email == "all@example.org")).one()
            == "unsubscribed"
        )


def _listed(sink: SmtpSink, address: str) -> list[str]:
    """The arXiv ids a subscriber's digest lists, in its order (from the text part's paper links)."""
    [received] = sink.to(address)
    text = received.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return re.findall(r"https://papers\.example\.org/papers/(\S+)", text)


def test_each_listed_paper_matches_the_filters(mail_settings: Settings, db: Database, smtp_sink: SmtpSink) -> None:
    """Every paper in a filtered digest passes the subscriber's category and keyword filters, and none that
    passes is left out: the digest is exactly the period's top matching papers in trending order."""
    load_days(db)
    # Hugging Face days carry no arXiv categories; give the day's papers some, including a near miss for "cs".
    assigned = ["cs.CL", "cs.LG stat.ML", "physics.comp-ph", "cs.AI", "math.OC cs.CL"]
    with db.write() as session:
        day = session.execute(
            select(Paper)
            .join(DailyEntry, DailyEntry.paper_id == Paper.id)
            .where(DailyEntry.day == dt.date.fromisoformat(DAY))
            .order_by(Paper.trending_score.desc(), Paper.id)
        ).scalars()
        papers = []
        for index, paper in enumerate(day):
            paper.categories = assigned[index % len(assigned)]
            paper.primary_category = paper.categories.split()[0]
            papers.append((paper.arxiv_id, set(paper.categories.split()), f"{paper.title} {paper.abstract}".lower()))
    subscribers = {
        "cl@example.org": ("cs.CL", ""),
        "archive@example.org": ("cs", ""),
        "agent@example.org": ("", "agent"),
        "both@example.org": ("cs.AI cs.CL", "agent, reinforcement learning"),
    }
    for email, (categories, keywords) in subscribers.items():
        add(db, email, categories=categories, keywords=keywords)
    code, output = send()
    assert code == 0, output

    def passes(categories: set[str], haystack: str, wanted: str, keywords: str) -> bool:
        archives = {c.split(".")[0] for c in categories}
        if wanted and not any(w in categories or ("." not in w and w in archives) for w in wanted.split()):
            return False
        phrases = [k.strip() for k in keywords.split(",") if k.strip()]
        return not phrases or any(re.search(rf"(?<![a-z0-9]){re.escape(k)}(?![a-z0-9])", haystack) for k in phrases)

    for email, (wanted, keywords) in subscribers.items():
        matching = [arxiv_id for arxiv_id, cats, haystack in papers if passes(cats, haystack, wanted, keywords)]
        assert 0 < len(matching) < len(papers), email  # the filter keeps some papers and drops others
        assert _listed(smtp_sink, email) == matching[: mail_settings.digest_size], email


def test_math_is_readable_as_text(mail_settings: Settings, db: Database, smtp_sink: SmtpSink) -> None:

    assert (
        math_as_text("Bounds for $O(n \\log n)$ and $\\alpha$-nets, 50% faster")
        == "Bounds for O(n logn) and α-nets, 50% faster"
    )


def test_a_rerun_sends_nothing_twice(mail_settings: Settings, db: Database, smtp_sink: SmtpSink) -> None:
    load_days(db)
    for i in range(5):
        add(db, f"reader{i}@example.org")
    assert send()[0] == 0
    code, output = send()
    assert code == 0 and "0 composed" in output and "5 composed before" in output and "0 sent" in output
    assert len(smtp_sink.received) == 5


def test_temporary_and_permanent_failures(mail_settings: Settings, db: Database, smtp_sink: SmtpSink) -> None:
    load_days(db)
    add(db, "later@example.org")
    add(db, "bounce@example.org")
    add(db, "fine@example.org")
    settings = mail_settings.model_copy(update={"digest_bounce_limit": 1})
    period = covering(Frequency.daily, dt.date(2025, 10, 29))
    compose(db, settings, period)
    with SmtpSender(settings) as sender:
        summary = drain(db, settings, sender)
    assert (summary.sent, summary.retry_later, summary.failed) == (1, 1, 1)
    with db.read() as session:
        rows = {r.recipient: r for r in session.scalars(select(OutboxMessage))}
        statuses = dict(session.execute(select(Subscription.email, Subscription.status)).all())
    assert rows["later@example.org"].status == "pending" and rows["later@example.org"].next_attempt_at is not None
    assert "451" in (rows["later@example.org"].last_error or "")
    assert rows["bounce@example.org"].status == "failed" and "550" in (rows["bounce@example.org"].last_error or "")
    assert statuses["bounce@example.org"] == "paused"  # one bounce is the limit here
    with SmtpSender(settings) as sender:  # the retry is not due yet
        assert drain(db, settings, sender).retry_later == 0


def test_starttls_is_never_skipped(
    mail_settings: Settings, db: Database, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_days(db)
    add(db, "reader@example.org")
    monkeypatch.setenv("DAILYPAPERS_SMTP_SECURITY", "starttls")  # the sink offers no STARTTLS
    code, output = send()
    assert code == 1 and "does not offer STARTTLS" in output and "rerun to resume" in output
    assert smtp_sink.received == []
    with db.read() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "pending" and row.attempts == 0  # nothing lost
    monkeypatch.setenv("DAILYPAPERS_SMTP_SECURITY", "none")
    assert send()[0] == 0 and len(smtp_sink.received) == 1


def test_dry_run_and_preview(mail_settings: Settings, db: Database, smtp_sink: SmtpSink, tmp_path: Path) -> None:
    load_days(db)
    add(db, "reader@example.org", keywords="agent")
    code, output = send("--dry-run")
    assert code == 0 and "1 composed" in output
    with db.read() as session:
        assert session.scalar(select(OutboxMessage)) is None
    html = tmp_path / "digest.html"
    result = runner.invoke(
        cli, ["digest", "preview", "--email", "reader@example.org", "--date", DAY, "--html", str(html)]
    )
    assert result.exit_code == 0, result.output
    assert "Subject: Trending papers of October 29, 2025" in result.output and "Unsubscribe:" in result.output
    preview = html.read_text()
    assert preview.startswith("<!DOCTYPE html>") and "Trending papers of October 29, 2025" in preview
    missing = runner.invoke(cli, ["digest", "preview", "--email", "nobody@example.org"])
    assert missing.exit_code == 1 and "no subscription for nobody@example.org" in missing.output
    assert smtp_sink.received == []


def test_subscribers_cli(mail_settings: Settings, db: Database, tmp_path: Path) -> None:
    ok = runner.invoke(cli, ["subscribers", "add", "Ops@Example.org", "--frequency", "weekly", "--confirmed"])
    assert ok.exit_code == 0 and "ops@example.org: weekly, active" in ok.output
    bad = runner.invoke(cli, ["subscribers", "add", "nope"])
    assert bad.exit_code == 1 and "valid e-mail address" in bad.output
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(
        "email,frequency,categories,keywords,confirmed\n"
        "a@example.org,daily,cs.CL,,yes\n"
        "broken,daily,,,yes\n"
        'b@example.org,weekly,,"agents, rag",no\n'
    )
    imported = runner.invoke(cli, ["subscribers", "import", str(csv_file)])
    assert imported.exit_code == 1
    assert f"{csv_file}:3: Enter a valid e-mail address" in imported.output
    assert "2 subscribers added or updated, 1 refused" in imported.output
    listed = runner.invoke(cli, ["subscribers", "list"]).output
    assert "a@example.org\tdaily\tactive\tcs.CL" in listed and "b@example.org\tweekly\tpending\tagents, rag" in listed
    (tmp_path / "bad.csv").write_bytes(b"email\n\xff\xfe\n")
    assert "is not UTF-8" in runner.invoke(cli, ["subscribers", "import", str(tmp_path / "bad.csv")]).output


def test_kill_minus_9_in_the_middle_of_a_send(mail_settings: Settings, db: Database, smtp_sink: SmtpSink) -> None:
    """Kill the sender at the worst moment: the SMTP server has the 11th message but the sender has no answer yet
    (its row is ``sending``). The rerun finds that row in doubt and sends it again under the same Message-ID;
    every other subscriber gets exactly one digest."""
    load_days(db)
    for i in range(40):
        add(db, f"reader{i:02d}@example.org")
    smtp_sink.handler.hold_after = 10
    command = [sys.executable, "-m", "dailypapers", "digest", "send", "--period", "daily", "--date", DAY]
    process = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert smtp_sink.handler.holding.wait(60), "the sender never reached the 11th message"
        [in_doubt] = smtp_sink.received[10:]
        with db.read() as session:
            rows = {r.recipient: r.status for r in session.scalars(select(OutboxMessage))}
        assert rows[in_doubt.recipients[0]] == "sending"
        assert Counter(rows.values()) == {"sent": 10, "sending": 1, "pending": 29}
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        smtp_sink.handler.release.set()
    # The row in doubt names its sender, which ran on this machine and is gone: a rerun takes it back at once
    # (from another machine it would wait for the row's lease, DAILYPAPERS_WORK_LEASE_SECONDS).
    rerun = subprocess.run(command, env=os.environ.copy(), capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "30 sent" in rerun.stdout and "1 in doubt after a crash and sent again" in rerun.stdout, rerun.stdout
    received = smtp_sink.received
    per_message_id = Counter(r.message_id for r in received)
    assert per_message_id.pop(in_doubt.message_id) == 2  # the message in doubt, sent again under its Message-ID
    assert set(per_message_id.values()) == {1} and len(per_message_id) == 39  # every other one exactly once
    pairs = {(r.recipients[0], r.message_id) for r in received}
    assert len(pairs) == len({recipient for recipient, _ in pairs}) == 40  # each subscriber: one Message-ID
    with db.read() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_the_scheduled_job_composes_the_due_period_once(
    mail_settings: Settings, db: Database, smtp_sink: SmtpSink
) -> None:
    settings = mail_settings.model_copy(update={"digest_skip_weekends": False})
    load_days(db)
    due = latest_due(Frequency.daily, utcnow(), settings)
    assert due is not None
    with db.write() as session:  # move a recorded day onto the day whose digest is due now
        session.execute(update(DailyEntry).where(DailyEntry.day == dt.date(2025, 10, 29)).values(day=due.period.start))
    add(db, "reader@example.org")
    add(db, "weekly@example.org", frequency="weekly")
    [job] = [j for j in all_jobs() if j.name == "digests"]
    first = run_job(job, db, settings)
    assert first.status == "ran" and f"{due.key}: 1 composed" in first.report and "1 sent" in first.report
    second = run_job(job, db, settings)
    assert second.status == "ran" and "sent" not in second.report
    assert [r.recipients for r in smtp_sink.received] == [("reader@example.org",)]


def test_starttls_upgrades_the_connection(
    mail_settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against a server that offers STARTTLS (and refuses mail before it), the default security sends,
    verifying the server's certificate (a test CA, trusted through SSL_CERT_FILE as an operator's would be)."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    sink = SmtpSink(_free_port(), tls_context=server_context).start()
    try:
        load_days(db)
        add(db, "reader@example.org")
        settings = mail_settings.model_copy(
            update={"smtp_port": sink.port, "smtp_security": "starttls", "smtp_host": "127.0.0.1"}
        )
        compose(db, settings, covering(Frequency.daily, dt.date(2025, 10, 29)))
        with SmtpSender(settings) as sender:
            assert drain(db, settings, sender).sent == 1
        assert [r.recipients for r in sink.received] == [("reader@example.org",)]
        monkeypatch.delenv("SSL_CERT_FILE")  # an untrusted certificate is a configuration error, not a retry
        add(db, "second@example.org")
        compose(db, settings, covering(Frequency.daily, dt.date(2025, 10, 30)))
        with SmtpSender(settings) as sender, pytest.raises(SmtpConfigError, match="TLS with the SMTP server failed"):
            drain(db, settings, sender)
    finally:
        sink.stop()


def test_implicit_tls(mail_settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    sink = SmtpSink(_free_port(), implicit_tls=server_context).start()
    try:
        load_days(db)
        add(db, "reader@example.org")
        settings = mail_settings.model_copy(update={"smtp_port": sink.port, "smtp_security": "tls"})
        compose(db, settings, covering(Frequency.daily, dt.date(2025, 10, 29)))
        with SmtpSender(settings) as sender:
            assert drain(db, settings, sender).sent == 1
        assert [r.recipients for r in sink.received] == [("reader@example.org",)]
    finally:
        sink.stop()
