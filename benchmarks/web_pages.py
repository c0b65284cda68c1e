"""Benchmark: home page and paper page throughput and latency, one uvicorn worker, SQLite, all HF data.

Imports every Hugging Face day file in ``../shared/data/hf_daily_papers`` (~9,900 papers; the 22 malformed days
from ``repaired/``) into a fresh SQLite database, starts ``dailypapers serve`` (one process, access log off),
then measures with ``wrk`` (throughput and latency under load, 1 thread and 16 connections) and a sequential
Python client (unloaded latency), anonymously with the page cache on and off, then logged in (the cache is
bypassed; the session is looked up and each card marks the member's own votes). Prints tables; nothing is
asserted.

    .venv/bin/python benchmarks/web_pages.py [--data PATH] [--duration 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers"
PYTHON = [sys.executable, "-m", "dailypapers"]
BENCH_PASSWORD = "benchmark password"  # noqa: S105 (a throwaway account in a temporary database)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wrk(url: str, duration: int, connections: int, cookie: str | None = None) -> dict[str, float]:
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", *header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])}  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non2xx"] = float(errors[1]) if errors else 0.0
    for pct in ("50", "90", "99"):
        match = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        if match:
            value = float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]
            result[f"p{pct}"] = value
    return result


def _sequential(url: str, count: int, cookie: str | None = None) -> dict[str, float]:
    timings = []
    with httpx.Client(headers={"Cookie": cookie} if cookie else None, timeout=60) as client:
        for _ in range(50):
            client.get(url)
        for _ in range(count):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p99": timings[int(len(timings) * 0.99) - 1],
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _log_in(base: str) -> str:
    """Log the benchmark's member in through the real form; returns the Cookie header value."""
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf_token" value="(\w+)"', client.get("/login").text)[1]  # type: ignore[index]
        client.post("/login", data={"login": "bench", "password": BENCH_PASSWORD, "csrf_token": token})
        return f"dp_session={client.cookies['dp_session']}"


def _run_server(label: str, env: dict[str, str], args: argparse.Namespace, logged_in: bool = False) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [*PYTHON, "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        papers = httpx.get(base + "/api/daily_papers", params={"limit": 1, "sort": "trending"}).json()
        pages = {
            "home (/)": base + "/",
            "paper page": f"{base}/papers/{papers[0]['paper']['id']}",
            "week page": base + "/papers/week/2025-W44",
            "API day": base + "/api/daily_papers?date=2025-10-29",
        }
        cookie = _log_in(base) if logged_in else None
        print(f"\n{label}")
        print(f"{'page':<12} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} | {'unloaded p50':>12} {'p99':>7}")
        for name, url in pages.items():
            loaded = _wrk(url, args.duration, args.connections, cookie)
            quiet = _sequential(url, args.sequential, cookie)
            print(
                f"{name:<12} {loaded['rps']:>8.0f} {loaded.get('p50', 0):>8.2f} {loaded.get('p90', 0):>8.2f} "
                f"{loaded.get('p99', 0):>8.2f} | {quiet['p50']:>12.2f} {quiet['p99']:>7.2f}"
                + (f"  ({loaded['non2xx']:.0f} non-2xx!)" if loaded["non2xx"] else "")
            )
        print(f"server RSS after the runs: {_rss_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="hf_daily_papers folder")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sequential", type=int, default=2000, help="requests for unloaded latency")
    args = parser.parse_args()

    days = args.data / "days"
    if not days.is_dir():
        print(f"missing data: {days} not found (this benchmark needs ../shared/data/hf_daily_papers)")
        return 2
    if shutil.which("wrk") is None:
        print("missing tool: wrk (Debian: apt-get install wrk)")
        return 2

    work = Path(tempfile.mkdtemp(prefix="dailypapers-bench-"))
    # No background jobs in the measured process: embedding 9,877 papers would compete for the 2 cores.
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(work), "DAILYPAPERS_SCHEDULER": "false"}
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    subprocess.run([*PYTHON, "db", "upgrade"], env=env, check=True, capture_output=True)
    # The 22 malformed days are refused from days/ (exit 1, by design) and taken from repaired/.
    start = time.perf_counter()
    subprocess.run([*PYTHON, "import", "hf", str(days)], env=env, check=False, capture_output=True)
    subprocess.run([*PYTHON, "import", "hf", str(args.data / "repaired")], env=env, check=True, capture_output=True)
    import_seconds = time.perf_counter() - start

    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
            "'select count(*) from papers').fetchone()[0])",
            str(work / "dailypapers.sqlite3"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(
        [*PYTHON, "users", "create-admin", "--username", "bench", "--email", "bench@example.org", "--password-stdin"],
        env=env,
        input=BENCH_PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    print(f"corpus: {count} papers imported in {import_seconds:.1f} s")
    print(f"machine: {os.cpu_count()} cores; server: dailypapers serve, 1 process, SQLite WAL, access log off")
    print(f"load: wrk -t1 -c{args.connections} -d{args.duration}s; unloaded: {args.sequential} sequential requests")
    try:
        for label, cache_seconds in (("anonymous page cache on (default)", "10"), ("page cache off", "0")):
            _run_server(label, {**env, "DAILYPAPERS_PAGE_CACHE_SECONDS": cache_seconds}, args)
        # A logged-in member always bypasses the cache: the session lookup and vote marks on every card.
        _run_server("logged in (cache bypassed)", {**env, "DAILYPAPERS_PAGE_CACHE_SECONDS": "10"}, args, True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
