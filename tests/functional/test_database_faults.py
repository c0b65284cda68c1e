"""A database that is missing, stalled or busy ends every request in a bounded, clear answer.

- a URL without host or database is refused by every entry point (here `db upgrade`, a real process);
- PostgreSQL behind a TCP proxy that the test pauses: pages get 503 with Retry-After, /static and /healthz
  still answer, one log line per failure, and the site recovers when the proxy resumes;
- a SQLite write lock held by another connection: queued writers share one deadline and get 503, nothing
  half-written.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database, create_db_engine
from dailypapers.papers.models import Paper
from dailypapers.votes.models import Vote
from tests.conftest import POSTGRES_ADMIN_DSN, serve_in_thread
from tests.factories import api_token, form_token, load_days, log_in, make_user, make_users
from tests.tcpproxy import TcpProxy


def test_db_upgrade_refuses_a_url_without_host_and_database(postgres_url: str, tmp_path: Path) -> None:
    """With libpq's environment pointing at a real, empty database, ``postgres://`` would connect to it and
    migrate it; the command must refuse instead, say which setting is wrong, and touch nothing."""
    params = dict(item.split("=", 1) for item in POSTGRES_ADMIN_DSN.split())
    scratch = f"dailypapers_scratch_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        env = {
            **os.environ,
            "DAILYPAPERS_DATA_DIR": str(tmp_path),
            "DAILYPAPERS_DATABASE_URL": "postgres://",
            "PGHOST": params.get("host", "127.0.0.1"),
            "PGPORT": params.get("port", "5432"),
            "PGUSER": params.get("user", "postgres"),
            "PGDATABASE": scratch,
        }
        result = subprocess.run(
            [sys.executable, "-m", "dailypapers", "db", "upgrade"], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode != 0, result.stdout
        assert "DAILYPAPERS_DATABASE_URL names no host and no database" in result.stderr
        with psycopg.connect(POSTGRES_ADMIN_DSN.replace("dbname=postgres", f"dbname={scratch}")) as scratch_db:
            tables = scratch_db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert tables == (0,)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def serving(app: FastAPI) -> AbstractContextManager[str]:
    """The app under uvicorn in a thread. ``log_config=None``: uvicorn's own loggers propagate to the root
    logger, so ``caplog`` also sees what uvicorn logs of an unhandled error."""
    return serve_in_thread(app, log_config=None, log_level=None)


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    upstream = urlsplit(postgres_url)
    server = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 5432).start()
    yield server
    server.stop()


PAPER = "2405.21060"
# More page requests than anyio's 40 threads, so that every thread of the server waits on the database.
STALLED_REQUESTS = 48
THREAD_POOL_SIZE = 40


def test_a_stalled_postgresql_gets_503s_and_static_files_still_answer(
    postgres_url: str, proxy: TcpProxy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = urlsplit(postgres_url)._replace(netloc=f"{urlsplit(postgres_url).username}@127.0.0.1:{proxy.port}")
    settings = Settings(
        data_dir=tmp_path,
        database_url=url.geturl(),
        page_cache_seconds=0,
        # Long enough for all 40 threads to get stuck before the first gives up (2.4 s seen on 2 busy cores).
        db_statement_timeout_seconds=4,
        db_connect_timeout_seconds=6,
    )
    database = Database.from_settings(settings, web=True)
    try:
        with serving(create_app(settings, database)) as base, httpx.Client(base_url=base, timeout=60) as client:
            assert client.get("/").status_code == 200  # a pooled connection, through the proxy
            # FastAPI ends the request's session after sending the response: wait for it to be back in the pool.
            returned = time.monotonic() + 10
            while database.engine.pool.checkedout() and time.monotonic() < returned:  # type: ignore[attr-defined]
                time.sleep(0.01)
            proxy.pause()
            caplog.clear()
            caplog.set_level(logging.WARNING)
            paths = [("/", "/api/daily_papers")[i % 2] for i in range(STALLED_REQUESTS)]
            finished = threading.Semaphore(0)

            def fetch(path: str) -> httpx.Response:
                try:
                    return httpx.get(f"{base}{path}", timeout=60)
                finally:
                    finished.release()

            with ThreadPoolExecutor(STALLED_REQUESTS) as pool:
                futures = [pool.submit(fetch, path) for path in paths]
                # Every server thread now waits on the database.
                assert proxy.wait_until_stuck(THREAD_POOL_SIZE, timeout=30), proxy.stuck
                static = client.get("/static/css/site.css", timeout=10)
                health = client.get("/healthz", timeout=10)
                # Answered while those requests were still waiting (none has been answered yet).
                pages_answered = not finished.acquire(blocking=False)
                assert static.status_code == 200 and "body" in static.text
                assert health.status_code == 200 and health.json() == {"status": "ok"}
                assert pages_answered, "a page was answered before /static: the thread pool was not full"
                ready = client.get("/readyz", timeout=30)
                assert ready.status_code == 503 and ready.headers["retry-after"]
                responses = [future.result() for future in futures]
            for path, response in zip(paths, responses, strict=True):
                assert response.status_code == 503, (path, response.text[:300])
                assert int(response.headers["retry-after"]) > 0
                assert "The database is not answering; try again in a moment." in response.text
            assert responses[1].json() == {"error": "The database is not answering; try again in a moment."}
            records = [r for r in caplog.records if r.levelno >= logging.WARNING]
            failures = [r for r in records if r.getMessage().startswith("database down on GET ")]
            assert len(failures) == STALLED_REQUESTS, [r.getMessage() for r in records]
            assert records == failures, [r.getMessage() for r in records if r not in failures]
            assert all(r.exc_info is None and "\n" not in r.getMessage() for r in records)

            proxy.resume()
            assert client.get("/").status_code == 200
            assert client.get("/api/daily_papers").status_code == 200
            assert client.get("/readyz").json() == {"status": "ok"}
    finally:
        database.dispose()


WRITERS = 6
BUSY_TIMEOUT_MS = 1000


@pytest.mark.sqlite_only
def test_writers_queued_behind_a_foreign_sqlite_lock_share_one_deadline(settings: Settings, db: Database) -> None:
    """Another connection (an operator's shell, a long job) holds the write lock. Every queued vote must get
    a 503 by the one deadline, not one after another at 1, 2, 3 ... s, and none may be half-written."""
    load_days(db)
    tokens = [api_token(db, user) for user in make_users(db, "voter", WRITERS)]
    with db.read() as session:
        upvotes = session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == PAPER))
    settings = settings.model_copy(update={"sqlite_busy_timeout_ms": BUSY_TIMEOUT_MS})
    database = Database.from_settings(settings, web=True)
    holder = sqlite3.connect(settings.data_dir / "dailypapers.sqlite3", isolation_level=None)
    try:
        with serving(create_app(settings, database)) as base:
            holder.execute("BEGIN IMMEDIATE")
            answered = threading.Event()
            remaining = [WRITERS]
            lock = threading.Lock()

            def vote(token: str) -> httpx.Response:
                try:
                    return httpx.put(f"{base}/api/papers/{PAPER}/vote", headers={"Authorization": f"Bearer {token}"})
                finally:
                    with lock:
                        remaining[0] -= 1
                        if not remaining[0]:
                            answered.set()

            with ThreadPoolExecutor(WRITERS) as pool:
                futures = [pool.submit(vote, token) for token in tokens]
                # The bound: the deadline, plus room for a busy machine; serial deadlines would need 6 of them.
                all_answered_while_locked = answered.wait(timeout=4 * BUSY_TIMEOUT_MS / 1000)
                holder.execute("ROLLBACK")
                responses = [future.result() for future in futures]
            assert all_answered_while_locked, [r.status_code for r in responses]
            for response in responses:
                assert response.status_code == 503, response.text
                assert response.json() == {"error": "The database is busy; try again in a moment."}
                assert int(response.headers["retry-after"]) > 0
            with database.read() as session:
                assert session.scalar(select(func.count()).select_from(Vote)) == 0
                assert session.scalar(select(Paper.upvotes).where(Paper.arxiv_id == PAPER)) == upvotes
            # The lock released, the same vote goes through.
            response = httpx.put(f"{base}/api/papers/{PAPER}/vote", headers={"Authorization": f"Bearer {tokens[0]}"})
            assert response.status_code == 200 and response.json()["upvotes"] == upvotes + 1
    finally:
        holder.close()
        database.dispose()


@pytest.mark.sqlite_only
def test_a_page_write_behind_a_foreign_lock_is_a_503_page(settings: Settings, db: Database) -> None:
    """The HTML side of the same: a form post that cannot get the lock answers a 503 page with Retry-After."""
    load_days(db)
    make_user(db, "ada")
    settings = settings.model_copy(update={"sqlite_busy_timeout_ms": 200})
    database = Database.from_settings(settings, web=True)
    holder = sqlite3.connect(settings.data_dir / "dailypapers.sqlite3", isolation_level=None)
    try:
        with TestClient(create_app(settings, database)) as client:
            log_in(client, "ada")
            token = form_token(client, f"/papers/{PAPER}")
            holder.execute("BEGIN IMMEDIATE")
            response = client.post(f"/papers/{PAPER}/vote", data={"csrf_token": token}, follow_redirects=False)
            holder.execute("ROLLBACK")
        assert response.status_code == 503
        assert response.headers["retry-after"]
        assert "The database is busy; try again in a moment." in response.text
    finally:
        holder.close()
        database.dispose()


@pytest.mark.postgresql_only
def test_a_web_statement_stuck_on_a_lock_is_cancelled_by_the_server(settings: Settings, db: Database) -> None:
    """A server that is alive cancels a web statement at DAILYPAPERS_DB_STATEMENT_TIMEOUT_SECONDS (here: a
    long job holds a table lock); the page is a 503 and the connection stays usable."""
    load_days(db)
    settings = settings.model_copy(update={"db_statement_timeout_seconds": 1})
    database = Database.from_settings(settings, web=True)
    try:
        with (
            serving(create_app(settings, database)) as base,
            httpx.Client(base_url=base, timeout=30) as client,
            db.engine.connect() as job,
        ):
            assert client.get(f"/papers/{PAPER}").status_code == 200
            job.exec_driver_sql("BEGIN")
            job.exec_driver_sql("LOCK TABLE papers IN ACCESS EXCLUSIVE MODE")
            response = client.get(f"/papers/{PAPER}")
            job.exec_driver_sql("ROLLBACK")
            assert response.status_code == 503
            assert response.headers["retry-after"]
            assert "The database is not answering" in response.text
            assert client.get(f"/papers/{PAPER}").status_code == 200
    finally:
        database.dispose()


@pytest.mark.postgresql_only
def test_connections_carry_the_timeouts_of_their_role(settings: Settings) -> None:
    """Web connections get the web statement timeout; commands, workers and migrations the job one (none by
    default: an index build may take minutes). Keepalives and tcp_user_timeout on both."""
    settings = settings.model_copy(
        update={"db_statement_timeout_seconds": 7, "db_keepalives_idle_seconds": 11, "db_tcp_user_timeout_seconds": 9}
    )
    for web, expected in ((True, "7s"), (False, "0")):
        database = Database.from_settings(settings, web=web)
        try:
            with database.engine.connect() as connection:
                assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == expected
                params = connection.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
                assert params["keepalives"] == "1" and params["keepalives_idle"] == "11"
                assert params["tcp_user_timeout"] == "9000" and params["connect_timeout"] == "5"
        finally:
            database.dispose()


def test_readyz_checks_the_database_and_healthz_does_not(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert client.get("/readyz").json() == {"status": "ok"}
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.head("/healthz").status_code == 200


def test_an_exhausted_pool_is_a_503_after_the_pool_timeout(settings: Settings, db: Database) -> None:
    settings = settings.model_copy(update={"db_pool_timeout_seconds": 0.5})
    database = Database(create_db_engine(settings, web=True, pool_size=1, max_overflow=0))
    try:
        with TestClient(create_app(settings, database)) as client, database.engine.connect():
            response = client.get("/api/daily_papers")
        assert response.status_code == 503
        assert response.json() == {"error": "The database is not answering; try again in a moment."}
        assert response.headers["retry-after"]
    finally:
        database.dispose()


def test_a_statement_on_an_established_connection_ends_when_the_server_goes_silent(
    postgres_url: str, proxy: TcpProxy, tmp_path: Path
) -> None:
    """Past the pool's ping, mid-request: the server stops answering an open connection. The statement ends
    after statement timeout + grace (the server cannot cancel it), the connection is dropped, and the next
    checkout gets a fresh one once the server is back."""
    url = urlsplit(postgres_url)._replace(netloc=f"{urlsplit(postgres_url).username}@127.0.0.1:{proxy.port}")
    settings = Settings(data_dir=tmp_path, database_url=url.geturl(), db_statement_timeout_seconds=1)
    database = Database.from_settings(settings, web=True)
    outcome: list[BaseException] = []
    try:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            proxy.pause()

            def run() -> None:
                try:
                    connection.exec_driver_sql("SELECT 2")
                except Exception as error:
                    outcome.append(error)

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            worker.join(timeout=30)
            stuck = worker.is_alive()
            if stuck:
                proxy.stop()  # lets the statement and this block end, so the failure below is reported
            assert not stuck, "the statement still waits on a silent server"
            assert connection.invalidated
        assert len(outcome) == 1 and "the database sent nothing for 3 s" in str(outcome[0])
        proxy.resume()
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 3").scalar() == 3
    finally:
        database.dispose()
