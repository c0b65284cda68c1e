"""Observability through HTTP (issue #16): /metrics (access rules, latency by route template, backlogs computed
from the database, job runs), request ids and JSON log lines."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.models import HarvestCheckpoint
from dailypapers.jobs.scheduler import Job, run_job
from dailypapers.ops.logs import JsonFormatter, RequestIdFilter
from dailypapers.papers.models import Paper
from dailypapers.search.models import PaperVector
from tests.factories import load_days

LOOPBACK = ("127.0.0.1", 50000)
STRANGER = ("198.51.100.7", 50000)


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format (None: absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else None


def scrape(app: FastAPI, client: tuple[str, int] = LOOPBACK, **headers: str) -> tuple[int, str]:
    with TestClient(app, client=client) as test_client:
        response = test_client.get("/metrics", headers=headers)
        return response.status_code, response.text


def test_metrics_answer_loopback_and_refuse_others(app: FastAPI) -> None:
    status, body = scrape(app)
    assert status == 200 and "dailypapers_request_duration_seconds" in body
    assert scrape(app, STRANGER)[0] == 403


def test_a_token_opens_metrics_to_any_address(settings: Settings, db: Database) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": "s3cret-token", "metrics_allow": ""}), db)
    assert scrape(app, STRANGER, Authorization="Bearer s3cret-token")[0] == 200
    assert scrape(app, STRANGER, Authorization="Bearer wrong")[0] == 401
    # metrics_allow empty: even loopback needs the token.
    assert scrape(app, LOOPBACK)[0] == 401


def test_latency_is_recorded_by_route_template(app: FastAPI) -> None:
    with TestClient(app) as client:
        client.get("/papers/2101.99999")
        client.get("/papers/2101.99998")
        client.get("/no/such/page/at/all")
        client.get("/")
        client.post("/metrics")  # no such method: the template still, with its 405
    body = scrape(app)[1]
    assert sample(body, "dailypapers_request_duration_seconds_count", method="GET", route="/", status="200")
    assert sample(body, "dailypapers_request_duration_seconds_count", method="POST", route="/metrics", status="405")
    template = sample(
        body,
        "dailypapers_request_duration_seconds_count",
        method="GET",
        route="/papers/{arxiv_id:arxiv_id}",
        status="404",
    )
    assert template is not None and template >= 2
    assert "2101.99999" not in body and "/no/such/page" not in body
    assert sample(body, "dailypapers_request_duration_seconds_count", method="GET", route="(unmatched)", status="404")


def test_backlogs_come_from_the_database(app: FastAPI, db: Database) -> None:
    load_days(db)
    with db.read() as session:
        papers = session.scalar(select(func.count()).select_from(Paper))
        vectors = session.scalar(select(func.count()).select_from(PaperVector))
    body = scrape(app)[1]
    assert papers and vectors == 0
    assert sample(body, "dailypapers_papers_without_vectors") == papers
    assert sample(body, "dailypapers_digests_pending") == 0
    assert sample(body, "dailypapers_last_harvest_age_seconds") is None  # never harvested: absent, not 0
    with db.write() as session:
        finished = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        session.add(HarvestCheckpoint(key="oai test", params={}, status="done", updated_at=finished))
    age = sample(scrape(app)[1], "dailypapers_last_harvest_age_seconds")
    assert age is not None and age >= 2 * 3600


def test_job_runs_are_counted(app: FastAPI, db: Database, settings: Settings) -> None:
    def broken(_ctx: object) -> str:
        raise RuntimeError("boom")

    before = sample(scrape(app)[1], "dailypapers_job_runs_total", job="metrics-test", status="failed") or 0
    run_job(Job("metrics-test", 60, lambda _ctx: "nothing to do", singleton=False), db, settings)
    run_job(Job("metrics-test", 60, broken, singleton=False), db, settings)
    body = scrape(app)[1]
    assert sample(body, "dailypapers_job_runs_total", job="metrics-test", status="failed") == before + 1
    assert sample(body, "dailypapers_job_runs_total", job="metrics-test", status="ran")
    assert sample(body, "dailypapers_job_duration_seconds_count", job="metrics-test")


def test_request_ids_are_kept_when_sane_and_made_up_otherwise(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"}).headers["x-request-id"] == "lb-1234.abc"
    for hostile in ("has spaces\tand tabs", "x" * 200, "<script>"):
        made_up = client.get("/healthz", headers={"X-Request-ID": hostile}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", made_up)
    first, second = (client.get("/healthz").headers["x-request-id"] for _ in range(2))
    assert first != second


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the JSON formatter writes for the site's loggers during the test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("dailypapers")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_json_logs_carry_the_request_id(settings: Settings, db: Database, json_lines: io.StringIO) -> None:
    app = create_app(settings.model_copy(update={"log_format": "json"}), db)
    with TestClient(app) as client:
        client.get("/papers/2101.99999", headers={"X-Request-ID": "trace-42"})
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "dailypapers.access"]
    assert access, lines
    assert access[-1]["request_id"] == "trace-42"
    assert access[-1]["route"] == "/papers/{arxiv_id:arxiv_id}" and access[-1]["status"] == 404
    assert access[-1]["level"] == "info" and access[-1]["time"].endswith("+00:00")
