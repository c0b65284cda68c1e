"""Benchmark: the same pages served by two git revisions, measured in alternating rounds (a regression check).

Each revision is checked out into a temporary worktree, runs with this checkout's virtual environment
(``PYTHONPATH`` puts its own code first), imports the same Hugging Face days into its own SQLite database and
serves them (one process, page cache and scheduler off). A sequential client then requests each page from A,
then B, then A again, round after round, so that whatever else the machine is doing slows both alike; the table
gives each revision's median and p90 and the ratio B/A. Nothing is asserted.

    .venv/bin/python benchmarks/compare_revisions.py BASE [HEAD] [--data PATH] [--days 60] [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
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
REQUESTS_PER_ROUND = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    """One revision: its worktree, database and running server."""

    def __init__(self, revision: str, work: Path, days: list[Path]) -> None:
        self.revision = revision
        self.tree = work / f"tree-{revision}"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(self.tree), revision], check=True
        )
        data = work / f"data-{revision}"
        data.mkdir()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(self.tree),
            "DAILYPAPERS_DATA_DIR": str(data),
            "DAILYPAPERS_SCHEDULER": "false",
            "DAILYPAPERS_PAGE_CACHE_SECONDS": "0",
        }
        self.env.pop("DAILYPAPERS_DATABASE_URL", None)
        command = [sys.executable, "-m", "dailypapers"]
        subprocess.run([*command, "db", "upgrade"], env=self.env, cwd=self.tree, check=True, capture_output=True)
        chosen = work / f"days-{revision}"
        chosen.mkdir()
        for day in days:
            shutil.copy(day, chosen / day.name)
        subprocess.run([*command, "import", "hf", str(chosen)], env=self.env, cwd=self.tree, capture_output=True)
        self.port = _free_port()
        self.process = subprocess.Popen(
            [*command, "serve", "--port", str(self.port), "--no-access-log"],
            env=self.env,
            cwd=self.tree,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                httpx.get(self.base + "/healthz", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise SystemExit(f"{revision}: the server did not start")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(self.tree)], check=False)


def _round(client: httpx.Client, url: str) -> list[float]:
    timings = []
    for _ in range(REQUESTS_PER_ROUND):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("head", nargs="?", default="HEAD")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="hf_daily_papers folder")
    parser.add_argument("--days", type=int, default=60, help="the newest N day files of 2025 are imported")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    folder = args.data / "days"
    if not folder.is_dir():
        print(f"missing data: {folder} not found (this benchmark needs ../shared/data/hf_daily_papers)")
        return 2
    days = sorted(p for p in folder.iterdir() if p.name.startswith("2025-"))[-args.days :]
    last = days[-1].name[:10]
    work = Path(tempfile.mkdtemp(prefix="dailypapers-ab-"))
    servers: list[Served] = []
    try:
        servers = [Served(args.base, work, days), Served(args.head, work, days)]
        first = httpx.get(f"{servers[0].base}/api/daily_papers", params={"date": last, "limit": 1}).json()
        paper = first[0]["paper"]["id"] if first else "2405.21060"
        month = last[:7]
        paths = {
            "home (/)": "/",
            "day page": f"/papers/date/{last}",
            "month page": f"/papers/month/{month}",
            "paper page": f"/papers/{paper}",
            "API day": f"/api/daily_papers?date={last}",
            "API default": "/api/daily_papers?limit=50",
            "Atom day": f"/papers/date/{last}/feed.atom",
        }
        timings: dict[tuple[str, int], list[float]] = {(name, i): [] for name in paths for i in range(2)}
        clients = [httpx.Client(base_url=s.base, timeout=60) for s in servers]
        for client in clients:
            for path in paths.values():
                client.get(path)  # warm-up
        for _ in range(args.rounds):
            for name, path in paths.items():
                for i in (0, 1):  # alternate A and B, so background load hits both
                    timings[(name, i)] += _round(clients[i], path)
        print(f"A = {args.base}, B = {args.head}; {len(days)} HF days up to {last}; SQLite, cache off, 1 process")
        print(f"machine: {os.cpu_count()} cores; {args.rounds} rounds x {REQUESTS_PER_ROUND} sequential requests")
        print(f"{'page':<12} {'A p50':>8} {'A p90':>8} {'B p50':>8} {'B p90':>8} {'B/A p50':>8}")
        for name in paths:
            a, b = sorted(timings[(name, 0)]), sorted(timings[(name, 1)])
            a50, b50 = statistics.median(a), statistics.median(b)
            a90, b90 = a[int(len(a) * 0.9)], b[int(len(b) * 0.9)]
            print(f"{name:<12} {a50:>8.2f} {a90:>8.2f} {b50:>8.2f} {b90:>8.2f} {b50 / a50:>8.2f}")
    finally:
        for server in servers:
            server.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
