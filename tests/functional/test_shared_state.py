"""Shared state (issue #16): with DAILYPAPERS_REDIS_URL, a rate limit holds across `dailypapers serve`
processes sharing one database; without it each process counts alone, and the operator is warned once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.web.shared_state import limits_are_per_process, rate_limit_storage
from tests.factories import csrf_from
from tests.redis_support import REDIS_URL, redis_prefix

__all__ = ["redis_prefix"]  # the fixture, imported for pytest

TRIES = 3
WARNING = "rate limits are per process"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(settings: Settings, log: Path, *args: str, **env: str) -> Iterator[str]:
    """`dailypapers serve` in a process of its own on the test's database, as an operator runs it."""
    environment = {
        **os.environ,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DAILYPAPERS_SCHEDULER": "false",
        "DAILYPAPERS_RATE_LIMIT_LOGIN": f"{TRIES}/minute",
    }
    environment.pop("DAILYPAPERS_DATABASE_URL", None)
    environment.pop("DAILYPAPERS_REDIS_URL", None)
    if settings.database_url:
        environment["DAILYPAPERS_DATABASE_URL"] = settings.database_url
    environment.update(env)
    port = _free_port()
    command = [sys.executable, "-m", "dailypapers", "serve", "--port", str(port), "--no-access-log", *args]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def alternating_logins(urls: list[str], count: int) -> list[int]:
    """``count`` wrong log-ins from one address, taking turns between the servers, each for another unknown
    name (so only the per-address budget can refuse)."""
    clients = [httpx.Client(base_url=url, timeout=10) for url in urls]
    try:
        tokens = [csrf_from(client.get("/login").text) for client in clients]
        statuses = []
        for number in range(count):
            client, token = clients[number % len(clients)], tokens[number % len(clients)]
            data = {"login": f"nobody{number}", "password": "wrong password", "csrf_token": token}
            statuses.append(client.post("/login", data=data).status_code)
        return statuses
    finally:
        for client in clients:
            client.close()


def test_a_rate_limit_holds_across_two_processes_sharing_redis(
    settings: Settings, db: Database, redis_prefix: str, tmp_path: Path
) -> None:
    shared = {"DAILYPAPERS_REDIS_URL": REDIS_URL, "DAILYPAPERS_REDIS_KEY_PREFIX": redis_prefix}
    with (
        served(settings, tmp_path / "a.log", **shared) as first,
        served(settings, tmp_path / "b.log", **shared) as second,
    ):
        statuses = alternating_logins([first, second], 2 * TRIES)
    # One budget for both processes: the fourth try is refused, whichever process it reaches.
    assert statuses == [400] * TRIES + [429] * TRIES
    for log in ("a.log", "b.log"):
        assert WARNING not in (tmp_path / log).read_text()


def test_without_redis_each_process_counts_alone_and_says_so_once(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    """What Redis prevents: two processes without it let twice the limit through. The parent of
    `serve --workers 2` (and any server on PostgreSQL) warns, once."""
    with (
        served(settings, tmp_path / "a.log", "--workers", "2") as first,
        served(settings, tmp_path / "b.log") as second,
    ):
        statuses = alternating_logins([first, second], 2 * TRIES + 2)
    assert statuses == [400] * (2 * TRIES) + [429, 429]
    assert (tmp_path / "a.log").read_text().count(WARNING) == 1
    assert (tmp_path / "b.log").read_text().count(WARNING) == (0 if settings.is_sqlite else 1)


def test_redis_down_refuses_limited_actions_with_503_and_readyz_says_why(settings: Settings, db: Database) -> None:
    closed_port = _free_port()  # nothing listens there
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port}/0"})
    with TestClient(create_app(down, db)) as client:
        token = csrf_from(client.get("/login").text)
        response = client.post("/login", data={"login": "ada", "password": "x" * 12, "csrf_token": token})
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json() == {"status": "redis down"}
        assert client.get("/healthz").status_code == 200


def test_readyz_checks_redis_and_the_schema_revision(settings: Settings, db: Database, redis_prefix: str) -> None:
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "redis_key_prefix": redis_prefix})
    with TestClient(create_app(shared, db)) as client:
        assert client.get("/readyz").json() == {"status": "ok"}
        with db.engine.begin() as connection:
            (revision,) = connection.exec_driver_sql("SELECT version_num FROM alembic_version").one()
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        try:
            ready = client.get("/readyz")
        finally:
            with db.engine.begin() as connection:
                connection.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
        assert ready.status_code == 503
        assert ready.json()["status"].startswith("migrations pending (database at 0001")
        assert client.get("/readyz").json() == {"status": "ok"}


def test_the_setting_names_what_it_shares() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6379/0", redis_key_prefix="site-a")
    uri, options = rate_limit_storage(settings)
    assert uri == "redis://127.0.0.1:6379/0" and options["key_prefix"] == "site-a:limits"
    assert not limits_are_per_process(settings)
    assert limits_are_per_process(Settings())
    # An explicitly chosen storage wins over DAILYPAPERS_REDIS_URL.
    explicit = Settings(redis_url="redis://127.0.0.1:6379/0", rate_limit_storage="memcached://127.0.0.1:11211")
    assert rate_limit_storage(explicit) == ("memcached://127.0.0.1:11211", {})
