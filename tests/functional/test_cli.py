"""The CLI as an operator runs it: real processes, a fresh data directory, the bundled demo data."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from dailypapers.cli import app as cli

runner = CliRunner()


@pytest.mark.parametrize(
    "args",
    [[], ["db"], ["import"], ["import", "hf"], ["import", "jsonl"], ["import", "demo"], ["serve"], ["db", "upgrade"]],
)
def test_help_everywhere(args: list[str]) -> None:
    result = runner.invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dailypapers", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "serve" in result.stdout and "import" in result.stdout


def test_import_refuses_an_unmigrated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DAILYPAPERS_DATABASE_URL", raising=False)
    result = runner.invoke(cli, ["import", "demo"])
    assert result.exit_code == 1
    assert "run `dailypapers db upgrade` first" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_fresh_data_dir_to_a_populated_site(tmp_path: Path) -> None:
    """What `make run` does: upgrade, load the demo data, serve; then the pages answer over HTTP."""
    # No scheduler: this machine cannot reach arXiv (the harvest job is tested against the replay server).
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(tmp_path / "data"), "DAILYPAPERS_SCHEDULER": "false"}
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    base = [sys.executable, "-m", "dailypapers"]
    subprocess.run([*base, "db", "upgrade"], env=env, check=True, capture_output=True)
    loaded = subprocess.run([*base, "import", "demo"], env=env, check=True, capture_output=True, text=True)
    assert "1512 new" in loaded.stdout
    again = subprocess.run([*base, "import", "demo"], env=env, check=True, capture_output=True, text=True)
    assert "demo data not loaded" in again.stdout
    port = _free_port()
    server = subprocess.Popen(
        [*base, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                home = httpx.get(url + "/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert home.status_code == 200
        assert "Friday, August 21, 2026" in home.text
        api = httpx.get(url + "/api/daily_papers", params={"date": "2026-08-21"}, timeout=5).json()
        assert len(api) == 17
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_with_several_worker_processes(tmp_path: Path) -> None:
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(tmp_path / "data"), "DAILYPAPERS_SCHEDULER": "false"}
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    base = [sys.executable, "-m", "dailypapers"]
    subprocess.run([*base, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*base, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert home.status_code == 200 and "dailypapers import demo" in home.text
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "(2 processes)" in output and output.count("Application startup complete") == 2
