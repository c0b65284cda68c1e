"""`dailypapers doctor` through the CLI (issue #16), on both databases: one line per check, what to fix, and a
non-zero exit when something will not work."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from tests.conftest import _free_port
from tests.factories import load_days
from tests.redis_support import REDIS_URL, redis_prefix

__all__ = ["redis_prefix"]  # the fixture, imported for pytest

runner = CliRunner()


def lines_of(output: str) -> dict[str, str]:
    """check name -> its line."""
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition(" ")
        name = rest.strip().partition(":")[0]
        found[name] = f"{status} {rest.strip()}"
    return found


def test_a_healthy_installation_passes(env_settings: Settings, db: Database) -> None:
    load_days(db)
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    checks = lines_of(result.output)
    assert checks["database"].startswith("ok ") and "schema at" in checks["database"]
    assert checks["embedding model"].startswith("ok ")
    assert checks["job backlog"].startswith("ok ") and "papers without vectors" in checks["job backlog"]
    # Never harvested: a warning with what to do, which does not fail the run.
    assert checks["last harvest"].startswith("warn ") and "dailypapers worker" in checks["last harvest"]


def test_an_unmigrated_database_fails_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DAILYPAPERS_DATABASE_URL", raising=False)
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL database: schema at none" in result.output and "run `dailypapers db upgrade`" in result.output


def test_unreachable_database_redis_and_smtp_each_fail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    closed = _free_port()
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{closed}/nothing")
    monkeypatch.setenv("DAILYPAPERS_REDIS_URL", f"redis://127.0.0.1:{closed}/0")
    monkeypatch.setenv("DAILYPAPERS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DAILYPAPERS_SMTP_PORT", str(closed))
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 1
    checks = lines_of(result.output)
    assert checks["database"].startswith("FAIL ") and "DAILYPAPERS_DATABASE_URL" in checks["database"]
    assert checks["redis"].startswith("FAIL ") and "DAILYPAPERS_REDIS_URL" in checks["redis"]
    assert checks["smtp"].startswith("FAIL ") and "DAILYPAPERS_SMTP_HOST" in checks["smtp"]
    assert "Traceback" not in result.output


def test_reachable_smtp_and_redis_pass(
    mail_settings: Settings, db: Database, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAILYPAPERS_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("DAILYPAPERS_REDIS_KEY_PREFIX", redis_prefix)
    result = runner.invoke(cli, ["doctor"])
    checks = lines_of(result.output)
    assert checks["smtp"].startswith("ok ") and "answers (none)" in checks["smtp"], result.output
    assert checks["redis"].startswith("ok "), result.output
    assert result.exit_code == 0, result.output


def test_a_wrong_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAILYPAPERS_SMTP_PORT", "not-a-port")
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL configuration: DAILYPAPERS_SMTP_PORT" in result.output
