"""Chat webhooks against a loopback server that checks each service's payload shape: Slack, Discord, Matrix,
Mattermost and signed generic JSON; exactly once per webhook and day (reruns, retries, disabling, a kill -9 in the
middle of a post), the job, the CLI and the curators' settings page."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from dailypapers.accounts.models import Role
from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.jobs.scheduler import run_job
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.webhooks import services
from dailypapers.webhooks.models import Webhook, WebhookDelivery
from dailypapers.webhooks.outbox import compose, drain, due_day
from dailypapers.webhooks.transport import HttpPoster
from dailypapers.wiring import all_jobs
from tests.conftest import WEBHOOK_BASE_URL
from tests.factories import form_token, load_days, log_in, make_user
from tests.webhook_sink import Scripted, WebhookSink

runner = CliRunner()
DAY = dt.date(2025, 10, 29)  # 24 papers in tests/fixtures/hf_days
ROOM_SEND = "/_matrix/client/v3/rooms/!papers:example.org/send/m.room.message"
BASE = WEBHOOK_BASE_URL
CATEGORIES = ["cs.CL", "cs.LG stat.ML", "physics.comp-ph", "cs.AI", "math.OC cs.CL"]


@pytest.fixture
def day(db: Database) -> list[tuple[str, set[str]]]:
    """The fixture day's papers in trending order, with categories (Hugging Face days carry none)."""
    load_days(db)
    with db.write() as session:
        papers = session.scalars(
            select(Paper)
            .join(DailyEntry, DailyEntry.paper_id == Paper.id)
            .where(DailyEntry.day == DAY)
            .order_by(Paper.trending_score.desc(), Paper.id)
        ).all()
        for index, paper in enumerate(papers):
            paper.categories = CATEGORIES[index % len(CATEGORIES)]
            paper.primary_category = paper.categories.split()[0]
        return [(p.arxiv_id, set(p.categories.split())) for p in papers]


def add(db: Database, service: str, url: str, **options: object) -> Webhook:
    with db.write() as session:
        webhook = services.add(session, name=f"#{service}", service=service, url=url, **options)  # type: ignore[arg-type]
        session.expunge(webhook)
        return webhook


def send(*extra: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["webhooks", "send", "--date", DAY.isoformat(), *extra])
    return result.exit_code, result.output


def statuses(db: Database) -> dict[int, str]:
    with db.read() as session:
        return dict(session.execute(select(WebhookDelivery.webhook_id, WebhookDelivery.status)).all())


def test_each_service_gets_its_own_payload_shape(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    add(db, "slack", f"{sink.url}/slack/T000/B000/XXXX", top_n=5)
    add(db, "discord", f"{sink.url}/discord/api/webhooks/1/abc", top_n=10)
    add(db, "matrix", f"{sink.url}{ROOM_SEND}", top_n=3, secret=sink.matrix_token)
    add(db, "mattermost", f"{sink.url}/mattermost/hooks/xyz", top_n=4, categories="cs")
    generic = add(db, "generic", f"{sink.url}/generic/receiver", top_n=6, categories="cs.CL")
    assert generic.secret and len(generic.secret) >= 40  # a random key was made
    sink.generic_secrets["/generic/receiver"] = generic.secret
    code, output = send()
    assert code == 0, output
    assert "5 composed" in output and "5 sent" in output, output
    assert [h.status for h in sink.received()] == [200, 204, 200, 200, 200]  # each passed its service's checks
    ids = [arxiv_id for arxiv_id, _ in day]
    in_cs = [a for a, cats in day if any(c.startswith("cs.") for c in cats)]
    in_cl = [a for a, cats in day if "cs.CL" in cats]

    [slack] = sink.received("/slack/")
    blocks = slack.json["blocks"]
    assert slack.json["text"] == "Top papers of October 29, 2025: 5 papers"
    assert [b["type"] for b in blocks] == ["header", *["section"] * 5, "context"]
    assert [b["text"]["text"].split("|")[0] for b in blocks[1:6]] == [f"*<{BASE}/papers/{a}" for a in ids[:5]]

    [discord] = sink.received("/discord/")
    assert discord.json["allowed_mentions"] == {"parse": []}
    assert [e["url"] for e in discord.json["embeds"]] == [f"{BASE}/papers/{a}" for a in ids[:10]]
    assert "**Top papers of October 29, 2025**" in discord.json["content"]

    [matrix] = sink.received("/_matrix/")
    assert matrix.method == "PUT" and matrix.path == f"{ROOM_SEND}/{matrix.delivery_id}"  # txn id = delivery id
    event = matrix.json
    assert event["msgtype"] == "m.notice" and event["format"] == "org.matrix.custom.html"
    assert event["formatted_body"].count("<li>") == 3 and all(a in event["body"] for a in ids[:3])

    [mattermost] = sink.received("/mattermost/")
    lines = [line for line in mattermost.json["text"].splitlines() if line[:1].isdigit()]
    assert [line.split("](")[1].split(")")[0] for line in lines] == [f"{BASE}/papers/{a}" for a in in_cs[:4]]

    [signed] = sink.received("/generic/")  # the sink verified the signature and the timestamp
    document = signed.json
    assert document["type"] == "dailypapers.daily_top" and document["date"] == DAY.isoformat()
    assert document["deliveryId"] == signed.delivery_id
    assert [p["id"] for p in document["papers"]] == in_cl[:6] and 0 < len(in_cl) < len(ids)
    with db.read() as session:
        rows = {r.webhook_id: r for r in session.scalars(select(WebhookDelivery))}
    assert rows[generic.id].paper_ids == in_cl[:6] and {r.status for r in rows.values()} == {"sent"}


def test_a_wrong_signature_or_token_is_refused_by_the_receiver(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    """The checks of the loopback services can fail: a receiver with another key, a Matrix token it does not
    know. Both are permanent failures, kept with the receiver's answer."""
    generic = add(db, "generic", f"{sink.url}/generic/other", secret="not-the-receivers-key")
    sink.generic_secrets["/generic/other"] = "the-receivers-key"
    matrix = add(db, "matrix", f"{sink.url}{ROOM_SEND}", secret="syt_wrong")
    code, output = send()
    assert code == 1 and "2 failed" in output, output
    with db.read() as session:
        errors = dict(session.execute(select(WebhookDelivery.webhook_id, WebhookDelivery.last_error)).all())
    assert errors[generic.id] == "HTTP 401 from 127.0.0.1: bad signature"
    assert "M_UNKNOWN_TOKEN" in (errors[matrix.id] or "")


def test_a_rerun_posts_nothing_twice(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    for i in range(3):
        add(db, "slack", f"{sink.url}/slack/{i}")
    assert send()[0] == 0
    code, output = send()
    assert code == 0 and "0 composed" in output and "3 composed before" in output and "0 sent" in output, output
    assert len(sink.received()) == 3
    none = add(db, "slack", f"{sink.url}/slack/none", categories="q-bio")  # nothing of the day is in q-bio
    code, output = send()
    assert "0 composed, 1 with nothing to post" in output and statuses(db)[none.id] == "empty"
    assert len(sink.received()) == 3


def test_a_day_without_papers_waits_for_the_daily_loop(hooks: Settings, db: Database, sink: WebhookSink) -> None:
    add(db, "slack", f"{sink.url}/slack/a")
    code, output = send()
    assert code == 0 and "no papers on the feed for the day yet" in output
    with db.read() as session:
        assert session.scalar(select(WebhookDelivery)) is None  # nothing composed: the next run tries again
    load_days(db)
    assert "1 composed" in send()[1] and len(sink.received()) == 1


def test_retries_with_backoff_then_disabled_with_the_reason_shown(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    settings = hooks.model_copy(update={"webhook_max_attempts": 3, "webhook_disable_after": 3})
    flaky = add(db, "slack", f"{sink.url}/slack/flaky")
    down = add(db, "discord", f"{sink.url}/discord/down")
    sink.script("/slack/flaky", Scripted(503, b"upstream busy"))
    for _ in range(3):
        sink.script("/discord/down", Scripted(500, b"internal"))
    compose(db, settings, DAY)
    clock = utcnow()
    with HttpPoster(settings) as poster:
        first = drain(db, settings, poster, now=lambda: clock)
        assert (first.sent, first.retry_later) == (0, 2)
        with db.read() as session:
            rows = {r.webhook_id: r for r in session.scalars(select(WebhookDelivery))}
        retries = {rows[w].next_attempt_at for w in (flaky.id, down.id)}
        assert retries == {clock + dt.timedelta(minutes=1)}  # the first retry after a minute
        assert rows[flaky.id].last_error == "HTTP 503 from 127.0.0.1: upstream busy"
        assert drain(db, settings, poster, now=lambda: clock).retry_later == 0  # not due yet: nothing is tried
        later = drain(db, settings, poster, now=lambda: clock + dt.timedelta(minutes=2))
        assert (later.sent, later.retry_later) == (1, 1)  # slack recovered; discord waits two minutes now
        with db.read() as session:
            second = session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == down.id)).one()
        assert second.next_attempt_at == clock + dt.timedelta(minutes=2 + 2) and second.attempts == 2  # doubled
        last = drain(db, settings, poster, now=lambda: clock + dt.timedelta(minutes=10))
        assert (last.failed, last.disabled) == (1, 1)
    with db.read() as session:
        hooks = {w.id: w for w in session.scalars(select(Webhook))}
    assert hooks[flaky.id].enabled and hooks[flaky.id].failures == 0
    assert not hooks[down.id].enabled and hooks[down.id].failures == 3
    reason = hooks[down.id].disabled_reason or ""
    assert "after 3 failed attempts in a row" in reason and "HTTP 500 from 127.0.0.1: internal" in reason
    assert statuses(db) == {flaky.id: "sent", down.id: "failed"}
    assert [h.status for h in sink.received("/discord/")] == [500, 500, 500]
    # A disabled webhook gets nothing composed for the next day; enabled again, it posts.
    assert compose(db, settings, dt.date(2025, 10, 30)).composed == 1
    with db.write() as session:
        services.enable(session, down.id)
    assert compose(db, settings, dt.date(2025, 10, 30)).composed == 1


def test_redirects_only_to_the_same_host_and_only_http_urls(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    moved = add(db, "slack", f"{sink.url}/slack/old")
    away = add(db, "slack", f"{sink.url}/slack/away")
    sink.script("/slack/old", Scripted(308, headers={"Location": "/slack/new"}))
    sink.script("/slack/away", Scripted(307, headers={"Location": "https://collector.example.net/steal"}))
    code, output = send()
    assert code == 1 and "1 sent" in output and "1 failed" in output, output
    assert [h.path for h in sink.received()] == ["/slack/old", "/slack/new", "/slack/away"]  # never left the host
    with db.read() as session:
        errors = dict(session.execute(select(WebhookDelivery.webhook_id, WebhookDelivery.last_error)).all())
    assert errors[moved.id] is None
    assert errors[away.id] == "HTTP 307: redirected to another host (collector.example.net); refused"
    for url in (
        "file:///etc/passwd",
        "ftp://example.org/x",
        "javascript:alert(1)",
        "https://",
        "//host/x",
        "http://h:x/",
    ):
        with db.write() as session, pytest.raises(services.WebhookRefused, match=r"^url: "):
            services.add(session, name="x", service="slack", url=url)


def test_a_stalled_endpoint_times_out_and_is_retried(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    settings = hooks.model_copy(update={"webhook_timeout_seconds": 0.5})
    add(db, "mattermost", f"{sink.url}/mattermost/slow")
    stall = threading.Event()
    sink.script("/mattermost/slow", Scripted(200, b"ok", stall=stall))
    compose(db, settings, DAY)
    try:
        with HttpPoster(settings) as poster:
            summary = drain(db, settings, poster)
    finally:
        stall.set()
    assert summary.retry_later == 1
    with db.read() as session:
        row = session.scalars(select(WebhookDelivery)).one()
    assert row.status == "pending" and row.last_error == "127.0.0.1 did not answer within 0.5 s"


def test_kill_minus_9_in_the_middle_of_a_post(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    """Kill the sender when the service has the 11th post but the sender has no answer yet (its row is
    ``sending``). The rerun finds that delivery in doubt and posts it again under the same delivery id; every
    other webhook gets exactly one post."""
    for i in range(40):
        if i % 4 == 3:
            webhook = add(db, "generic", f"{sink.url}/generic/{i:02d}")
            sink.generic_secrets[f"/generic/{i:02d}"] = webhook.secret or ""
        else:
            add(
                db,
                ("slack", "discord", "mattermost")[i % 4],
                f"{sink.url}/{('slack', 'discord', 'mattermost')[i % 4]}/{i:02d}",
            )
    sink.hold_after = 10
    command = [sys.executable, "-m", "dailypapers", "webhooks", "send", "--date", DAY.isoformat()]
    process = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert sink.holding.wait(60), "the sender never reached the 11th post"
        [in_doubt] = sink.received()[10:]
        with db.read() as session:
            rows = {r.delivery_id: r.status for r in session.scalars(select(WebhookDelivery))}
        assert rows[in_doubt.delivery_id] == "sending"
        assert Counter(rows.values()) == {"sent": 10, "sending": 1, "pending": 29}
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        sink.release.set()
    # The killed sender's claims name it, and it ran on this machine and is gone: the rerun takes its rows at once.
    rerun = subprocess.run(command, env=os.environ.copy(), capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "30 sent" in rerun.stdout and "1 in doubt after a crash and posted again" in rerun.stdout, rerun.stdout
    hits = sink.received()
    assert all(h.accepted for h in hits)
    per_delivery = Counter(h.delivery_id for h in hits)
    assert per_delivery.pop(in_doubt.delivery_id) == 2  # the post in doubt, again under its delivery id
    assert set(per_delivery.values()) == {1} and len(per_delivery) == 39  # every other one exactly once
    assert len({h.path for h in hits}) == 40  # each webhook: one delivery id
    repeated = [h for h in hits if h.delivery_id == in_doubt.delivery_id]
    assert repeated[0].path == repeated[1].path
    if "/generic/" not in in_doubt.path:
        assert repeated[0].body == repeated[1].body  # the same bytes (generic: a fresh timestamp and signature)
    with db.read() as session:
        assert set(session.scalars(select(WebhookDelivery.status))) == {"sent"}


def test_matrix_drops_the_repeat_by_its_transaction_id(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    """For Matrix the rule costs nothing: the resend reuses the transaction id, so the room gets one event."""
    add(db, "matrix", f"{sink.url}{ROOM_SEND}", secret=sink.matrix_token)
    compose(db, hooks, DAY)
    with db.write() as session:  # as a kill -9 leaves it, after the homeserver took the event
        row = session.scalars(select(WebhookDelivery)).one()
    with HttpPoster(hooks) as poster:
        assert drain(db, hooks, poster).sent == 1
        with db.write() as session:
            session.execute(update(WebhookDelivery).values(status="sending"))
        again = drain(db, hooks, poster)
    assert again.in_doubt == 1 and again.sent == 1
    first, second = sink.received()
    assert first.path == second.path == f"{ROOM_SEND}/{row.delivery_id}"
    assert first.status == second.status == 200 and len(sink._matrix_events) == 1


def test_the_scheduled_job_posts_the_due_day_once(
    hooks: Settings, db: Database, sink: WebhookSink, day: list[tuple[str, set[str]]]
) -> None:
    due = due_day(utcnow(), hooks)
    with db.write() as session:  # move the recorded day onto the day whose post is due now
        session.execute(update(DailyEntry).where(DailyEntry.day == DAY).values(day=due))
    add(db, "slack", f"{sink.url}/slack/job")
    [job] = [j for j in all_jobs() if j.name == "webhooks"]
    first = run_job(job, db, hooks)
    assert first.status == "ran" and f"{due}: 1 composed" in first.report and "1 sent" in first.report, first.report
    second = run_job(job, db, hooks)
    assert second.status == "ran" and second.report == "nothing due"
    assert len(sink.received()) == 1


def test_cli_add_list_test_remove(hooks: Settings, db: Database, sink: WebhookSink) -> None:
    load_days(db)
    added = runner.invoke(cli, ["webhooks", "add", "--service", "generic", "--url", f"{sink.url}/generic/cli",
                                "--name", "#lab", "--top", "3", "--category", "cs"])  # fmt: skip
    assert added.exit_code == 0 and "webhook 1 added (generic)" in added.output, added.output
    secret = added.output.split("signing secret: ")[1].strip()
    sink.generic_secrets["/generic/cli"] = secret
    listed = runner.invoke(cli, ["webhooks", "list"]).output
    assert f"1\tgeneric\t#lab\t{sink.url}/…\t3\tcs\tenabled" in listed and "/generic/cli" not in listed
    tested = runner.invoke(cli, ["webhooks", "test", "1"])
    assert tested.exit_code == 0 and "posted 0 papers of" in tested.output, tested.output  # no cs papers there
    [hit] = sink.received()
    assert hit.accepted and hit.delivery_id.startswith("test-")
    with db.read() as session:
        assert session.scalar(select(WebhookDelivery)) is None  # a test is not a delivery
    for args, message in (
        (["add", "--service", "irc", "--url", "https://x.org", "--name", "a"], "service 'irc' is not one of"),
        (["add", "--service", "slack", "--url", "gopher://x.org", "--name", "a"], "url: The URL must start with"),
        (["add", "--service", "discord", "--url", "https://x.org", "--name", "a", "--top", "11"], "1 to 10 papers"),
        (["add", "--service", "matrix", "--url", "https://x.org", "--name", "a"], "access token"),
        (["add", "--service", "slack", "--url", "https://x.org", "--name", "a", "--category", "CS!"], "categories:"),
        (["test", "9"], "No webhook 9"),
        (["remove", "9"], "No webhook 9"),
    ):
        result = runner.invoke(cli, ["webhooks", *args])
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    assert runner.invoke(cli, ["webhooks", "remove", "1"]).exit_code == 0
    assert runner.invoke(cli, ["webhooks", "list"]).output == ""


def test_the_settings_page_is_for_curators(
    db: Database, client: TestClient, sink: WebhookSink, day: list[tuple[str, set[str]]], settings: Settings
) -> None:
    assert client.get("/settings/webhooks", follow_redirects=False).status_code in (303, 401)
    make_user(db, "member")
    make_user(db, "cura", role=Role.curator)
    log_in(client, "member")
    assert client.get("/settings/webhooks").status_code == 403
    log_in(client, "cura")
    page = client.get("/settings/webhooks")
    assert page.status_code == 200 and "No webhooks yet." in page.text
    token = form_token(client, "/settings/webhooks")
    form = {"name": "<script>alert(1)</script>", "service": "generic", "url": f"{sink.url}/generic/page", "top": "2"}
    assert client.post("/settings/webhooks", data=form).status_code == 403  # no CSRF token
    added = client.post("/settings/webhooks", data={**form, "csrf_token": token})
    assert added.status_code == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;" in added.text
    assert "<script>alert(1)" not in added.text
    with db.read() as session:
        webhook = session.scalars(select(Webhook)).one()
    assert webhook.secret and webhook.secret in added.text  # shown once, on this answer
    assert webhook.secret not in client.get("/settings/webhooks").text
    for bad, message in (({"url": "file:///etc/passwd"}, "url: The URL must start with"), ({"top": "ten"}, "top:"),
                         ({"service": "irc"}, "is not one of")):  # fmt: skip
        refused = client.post("/settings/webhooks", data={**form, **bad, "csrf_token": token})
        assert refused.status_code == 400 and message in refused.text, refused.text
    # Disabled after failures: the page shows the reason, Enable puts it back.
    sink.generic_secrets["/generic/page"] = "another key"
    settings = settings.model_copy(update={"webhook_disable_after": 1})
    compose(db, settings, DAY)
    with HttpPoster(settings) as poster:
        assert drain(db, settings, poster).disabled == 1
    shown = client.get("/settings/webhooks").text
    assert (
        "disabled" in shown
        and "after 1 failed attempts in a row; the last: HTTP 401 from 127.0.0.1: bad signature" in shown
    )
    assert f"{DAY.isoformat()}: failed" in shown and "/generic/page" not in shown
    assert client.post(f"/settings/webhooks/{webhook.id}/enable", data={"csrf_token": token}).status_code == 200
    with db.read() as session:
        assert session.get(Webhook, webhook.id).enabled  # type: ignore[union-attr]
    sink.generic_secrets["/generic/page"] = webhook.secret
    tested = client.post(f"/settings/webhooks/{webhook.id}/test", data={"csrf_token": token})
    assert tested.status_code == 200 and "Posted 2 papers of 2025-10-" in tested.text, tested.text
    assert client.post("/settings/webhooks/999/test", data={"csrf_token": token}).status_code == 404
    assert client.post("/settings/webhooks/999/delete", data={"csrf_token": token}).status_code == 404
    assert client.post("/settings/webhooks/0/delete", data={"csrf_token": token}).status_code == 400
    assert client.post(f"/settings/webhooks/{webhook.id}/delete", data={"csrf_token": token}).status_code == 200
    with db.read() as session:
        assert session.scalar(select(Webhook)) is None and session.scalar(select(WebhookDelivery)) is None
