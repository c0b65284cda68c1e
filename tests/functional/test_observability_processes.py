"""Observability of real processes (issue #16): `serve` with DAILYPAPERS_LOG_FORMAT=json writes JSON lines with
request ids (uvicorn's workers configured the same way), and `worker --metrics-port` serves its job counters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from dailypapers.config import Settings
from dailypapers.db import Database
from tests.conftest import _free_port
from tests.functional.test_observability import sample
from tests.functional.test_shared_state import served


def test_serve_writes_json_lines_with_the_request_id(settings: Settings, db: Database, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with served(settings, log, DAILYPAPERS_LOG_FORMAT="json") as url:
        response = httpx.get(f"{url}/papers/2101.99999", headers={"X-Request-ID": "probe-7"}, timeout=10)
        assert response.headers["x-request-id"] == "probe-7"
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e.get("request_id") == "probe-7"]
    assert access and access[0]["logger"] == "dailypapers.access" and access[0]["status"] == 404
    assert access[0]["route"] == "/papers/{arxiv_id:arxiv_id}"
    # uvicorn's own lines (start-up) are JSON too, and nothing else was printed as plain text but the banner.
    assert any(e["logger"].startswith("uvicorn") for e in entries)
    assert [line for line in log.read_text().splitlines() if not line.startswith("{")] == [
        line for line in log.read_text().splitlines() if line.startswith("serving ")
    ]


def test_worker_serves_its_job_metrics_on_loopback(settings: Settings, db: Database, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(settings.data_dir)}
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    if settings.database_url:
        env["DAILYPAPERS_DATABASE_URL"] = settings.database_url
    command = [sys.executable, "-m", "dailypapers", "worker", "--job", "expired-logins", "--tick", "3600"]
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([*command, "--metrics-port", str(port)], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        runs = None
        while runs is None:
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                runs = sample(body, "dailypapers_job_runs_total", job="expired-logins", status="ran")
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert runs == 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)
