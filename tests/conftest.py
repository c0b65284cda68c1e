"""Shared fixtures: a fresh, migrated database per test on SQLite and (when reachable) PostgreSQL.

Every test that uses ``db`` runs once per backend. PostgreSQL tests skip when no server answers, unless
``DAILYPAPERS_REQUIRE_POSTGRES=1`` (CI), which turns an unreachable server into a failure.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Base, Database
from dailypapers.migrations import upgrade
from dailypapers.web.convertors import register_convertors
from dailypapers.wiring import CONVERTORS
from tests.replay import ReplayServer
from tests.smtp import SmtpSink
from tests.webhook_sink import WebhookSink

# Some test modules import route modules directly (test_pages: the listing and paper contexts); those paths
# name the app's convertors, which create_app registers, so register them before such modules load.
register_convertors(CONVERTORS)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Undo what a command run in-process (CliRunner: `worker`, `serve`) did to logging: its dictConfig binds a
    handler to the runner's captured stderr, which is closed when the command returns, and every later log line
    in this process would print a "Logging error" into whatever output a test reads next."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate, logger.disabled) for logger in loggers]
    yield
    for logger, handlers, level, propagate, disabled in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate, logger.disabled = propagate, disabled


FIXTURES = Path(__file__).resolve().parent / "fixtures"
HF_DAYS = FIXTURES / "hf_days"
REQUIRE_POSTGRES = os.environ.get("DAILYPAPERS_REQUIRE_POSTGRES") == "1"
# Trust auth on the local server; tests create and drop their own database on it.
POSTGRES_ADMIN_DSN = os.environ.get(
    "DAILYPAPERS_TEST_POSTGRES_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        postgresql_only = metafunc.definition.get_closest_marker("postgresql_only") is not None
        backends = ["sqlite"] if sqlite_only else ["postgresql"] if postgresql_only else ["sqlite", "postgresql"]
        metafunc.parametrize("backend", backends, indirect=True, scope="session")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: run on SQLite only (browser tests, SQLite specifics)")
    config.addinivalue_line("markers", "postgresql_only: run on PostgreSQL only (the counterpart of a SQLite specific)")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (much faster than migrating each time)."""
    directory = tmp_path_factory.mktemp("sqlite-template")
    upgrade(Settings(data_dir=directory, database_url=None))
    return directory / "dailypapers.sqlite3"


def _postgres_admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable ({POSTGRES_ADMIN_DSN}): {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{message}; DAILYPAPERS_REQUIRE_POSTGRES=1 makes this a failure")
        pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated database of our own on the local PostgreSQL, dropped at the end of the session."""
    name = f"dailypapers_test_{uuid.uuid4().hex[:12]}"
    with _postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    params = dict(item.split("=", 1) for item in POSTGRES_ADMIN_DSN.split())
    user, host, port = params.get("user", "postgres"), params.get("host", "127.0.0.1"), params.get("port", "5432")
    url = f"postgresql://{user}@{host}:{port}/{name}"
    upgrade(Settings(database_url=url))
    yield url
    with _postgres_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "dailypapers.sqlite3")
        return Settings(data_dir=tmp_path, database_url=None, base_url="http://testserver", page_cache_seconds=0)
    url: str = request.getfixturevalue("postgres_url")
    return Settings(data_dir=tmp_path, database_url=url, base_url="http://testserver", page_cache_seconds=0)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    if not settings.is_sqlite:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with database.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    database.dispose()


@pytest.fixture
def env_settings(settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the environment at the (fresh) test database, for code that reads Settings() itself (the CLI)."""
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("DAILYPAPERS_DATABASE_URL", raising=False)
    return settings


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


@pytest.fixture
def source_settings(
    settings: Settings, env_settings: Settings, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings (and environment, for the CLI) pointing every source at the replay server, politeness off."""
    urls = {
        "arxiv_api_url": f"{replay.url}/api/query",
        "arxiv_oai_url": f"{replay.url}/oai",
        "hf_url": replay.url,
        "github_api_url": replay.url,  # the enrich job's GitHub requests get the replay's 404s, never the internet
        "arxiv_delay_seconds": 0.0,
        "github_delay_seconds": 0.0,
        "hf_delay_seconds": 0.0,
        "contact_email": "tests@example.org",
    }
    for name, value in urls.items():
        monkeypatch.setenv(f"DAILYPAPERS_{name.upper()}", str(value))
    return settings.model_copy(update=urls)


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve_in_thread(app: FastAPI, **options: Any) -> Iterator[str]:
    """``app`` under uvicorn on a loopback port, in a thread; yields its base URL. ``options`` go to uvicorn."""
    port = _free_port()
    # Keep-alive longer than any client here keeps an idle connection: a server closing one just as a client
    # reuses it resets the connection (seen once under load in the concurrent-votes test).
    options = {"log_level": "warning", "lifespan": "on", "timeout_keep_alive": 30, **options}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a loopback port, in a thread; yields its base URL."""
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(_free_port()).start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_settings(
    settings: Settings, env_settings: Settings, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings (and environment, for the CLI) that send real SMTP to the sink, in plaintext on loopback."""
    values = {
        "email_backend": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_sink.port,
        "smtp_security": "none",
        "digest_send_rate": 0.0,
        "base_url": "https://papers.example.org",
    }
    for name, value in values.items():
        monkeypatch.setenv(f"DAILYPAPERS_{name.upper()}", str(value))
    return settings.model_copy(update=values)


# The webhook tests' public address and receiving server (tests/webhook_sink.py).
WEBHOOK_BASE_URL = "https://papers.example.org"


@pytest.fixture
def hooks(env_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings (and environment, for the CLI) with the public address webhook posts link to."""
    monkeypatch.setenv("DAILYPAPERS_BASE_URL", WEBHOOK_BASE_URL)
    return env_settings.model_copy(update={"base_url": WEBHOOK_BASE_URL})


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    server = WebhookSink().start()
    yield server
    server.stop()
