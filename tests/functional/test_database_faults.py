"""A database that is missing, stalled or busy ends every request in a bounded, clear answer.

- a URL without host or database is refused by every entry point (here `db upgrade`, a real process);
- PostgreSQL behind a TCP proxy that the test pauses: pages get 503 with Retry-After, /static and /healthz
  still answer, one log line per failure, and the site recovers when the proxy resumes;
- a SQLite write lock held by another connection: queued writers share one deadline and get 503, nothing
  half-written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from tests.conftest import POSTGRES_ADMIN_DSN


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
