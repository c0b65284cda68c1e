"""Prometheus metrics: ``GET /metrics``.

Two kinds, so that N web processes and M workers report one truth:
- backlogs and ages are computed from the database at scrape time (papers without vectors, digests pending,
  the age of the last harvest): any process answers the same, whichever one the scraper reaches;
- request latencies and job runs are counted in the process that served or ran them. With several processes
  on one host, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode; an empty directory,
  emptied at each start) and every process's samples are summed; otherwise scrape each process.

Access: a request with ``Authorization: Bearer DAILYPAPERS_METRICS_TOKEN`` from anywhere, or without a token
from an address of DAILYPAPERS_METRICS_ALLOW (loopback by default); others get 401 or 403.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import os
from collections.abc import Iterator

import anyio.to_thread
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.digests.models import OutboxMessage, OutboxStatus
from dailypapers.ingest.models import HarvestCheckpoint
from dailypapers.papers.models import Paper
from dailypapers.search.models import PaperVector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUEST_SECONDS = Histogram(
    "dailypapers_request_duration_seconds",
    "Time to answer a request, by route template (not the raw path: bounded label values).",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def serve_job_metrics(port: int) -> None:
    """A worker's own job counters on loopback (a worker has no web app; its runs are counted in it): for a
    Prometheus on the same host, or an SSH tunnel. Loopback only, as it has no token."""
    start_http_server(port, addr="127.0.0.1")


def embedding_model_id(settings: Settings) -> str:
    """The model id vectors are stored under, without loading the model (search/embedder.py names them so)."""
    if settings.embedder == "openai":
        return f"openai:{settings.embedding_model}"
    from dailypapers.search.embedder import MiniLMOnnx

    return MiniLMOnnx.model_id


def backlogs(db: Database, settings: Settings) -> dict[str, float | None]:
    """What the jobs still have to do and how long ago the last harvest finished (None: never)."""
    model = embedding_model_id(settings)
    with db.read() as session:
        has_vector = select(PaperVector.paper_id).where(PaperVector.paper_id == Paper.id, PaperVector.model == model)
        without_vectors = session.scalar(select(func.count()).select_from(Paper).where(~has_vector.exists()))
        digests = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending.value)
        )
        last_harvest = session.scalar(
            select(func.max(HarvestCheckpoint.updated_at)).where(HarvestCheckpoint.status == "done")
        )
    if isinstance(last_harvest, str):  # SQLite's max() of a datetime column comes back as text
        last_harvest = dt.datetime.fromisoformat(last_harvest)
    if last_harvest is not None and last_harvest.tzinfo is None:
        last_harvest = last_harvest.replace(tzinfo=dt.UTC)
    age = (utcnow() - last_harvest).total_seconds() if last_harvest is not None else None
    return {
        "papers_without_vectors": float(without_vectors or 0),
        "digests_pending": float(digests or 0),
        "last_harvest_age_seconds": age,
    }


class BacklogCollector(Collector):
    def __init__(self, values: dict[str, float | None]) -> None:
        self.values = values

    def collect(self) -> Iterator[Metric]:
        help_texts = {
            "papers_without_vectors": "Papers with no vector for the configured embedding model (embed job).",
            "digests_pending": "Digest e-mails waiting in the outbox (digests job).",
            "last_harvest_age_seconds": "Seconds since the last completed OAI harvest (absent: none yet).",
        }
        for name, value in self.values.items():
            if value is not None:
                yield GaugeMetricFamily(f"dailypapers_{name}", help_texts[name], value=value)


def allowed(request: Request, settings: Settings) -> tuple[bool, int]:
    """(allowed, status to answer otherwise): a valid bearer token, or an address of the allow list."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if settings.metrics_token and scheme.lower() == "bearer":
        if hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode()):
            return True, 200
        return False, 401
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False, 403
    networks = [ipaddress.ip_network(n) for n in settings.metrics_allow.split(",") if n]
    if any(address in network for network in networks):
        return True, 200
    return False, 401 if settings.metrics_token else 403


def _process_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


async def metrics(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    ok, status = allowed(request, settings)
    if not ok:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        return JSONResponse({"error": "not allowed to read metrics"}, status_code=status, headers=headers)
    database: Database = request.app.state.db
    values = await anyio.to_thread.run_sync(backlogs, database, settings)
    scrape = CollectorRegistry()
    scrape.register(BacklogCollector(values))
    return Response(_process_metrics() + generate_latest(scrape), media_type=CONTENT_TYPE)
