"""Benchmark: every kind of page and API answer against a bare anchor, at 10k and 100k papers, SQLite, 1 process.

For each size, the real Hugging Face papers of ``../shared/data/hf_daily_papers`` are resampled into a fresh
SQLite database (``web_corpus.py``: real titles, abstracts, authors, submitters; 25 papers a day; a member with
votes, saves and comments; a vector per paper). Then, one server at a time on the 2 cores:

- ``dailypapers serve`` (one process, access log off, background jobs off, page cache off), anonymous and logged
  in (the member's session cookie: the session lookup and the marks on every card);
- the bare anchor (``bare_anchor.py``: FastAPI + Jinja2 + sqlite3, the same queries as plain SQL, an equivalent
  page), anonymous and with the same cookie.

Both servers run side by side. Each route: ``wrk -t1 -c16`` for throughput and latency under load on ours,
then on the anchor, then sequential requests for unloaded latency, alternating between the two servers request
by request. The ratio column is our unloaded p50 over the anchor's for the same route and viewer, measured in the
same minutes (DESIGN §7's budgets are ratios to this anchor). Prints tables; nothing is asserted.

    .venv/bin/python benchmarks/web_pages.py [--sizes 10000,100000] [--duration 5] [--sequential 300]
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from web_corpus import build  # noqa: E402

from dailypapers.config import Settings  # noqa: E402
from dailypapers.migrations import upgrade  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers"
PYTHON = [sys.executable, "-m", "dailypapers"]
MEMBER = "bench"
BENCH_PASSWORD = "benchmark password"  # noqa: S105 (a throwaway account in a temporary database)


def routes(t: dict[str, str]) -> list[tuple[str, str, bool]]:
    """(name, path, also logged in): the same path on both servers; None-anchored ones are ours only."""
    return [
        ("home /", "/", True),
        ("week page", f"/papers/week/{t['week']}", True),
        ("paper page", f"/papers/{t['paper']}", True),
        ("API default, limit 100", "/api/daily_papers?limit=100", False),
        ("API date, limit 100", f"/api/daily_papers?date={t['day']}&limit=100", False),
        ("API week, limit 100", f"/api/daily_papers?week={t['week']}&limit=100", False),
        ("API month, limit 100", f"/api/daily_papers?month={t['month']}&limit=100", False),
        ("API paper", f"/api/papers/{t['paper']}", False),
        ("Atom latest day", "/feed.atom", False),
        ("Atom week", f"/papers/week/{t['week']}/feed.atom", False),
    ]


OURS_ONLY = [("API similar (vectors)", "/api/papers/{paper}/similar", False)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wrk(url: str, duration: int, connections: int, cookie: str | None) -> dict[str, float]:
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
    for pct in ("50", "99"):
        match = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        if match:
            result[f"p{pct}"] = float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]
    return result


def _sequential(urls: list[str], count: int, cookie: str | None) -> list[dict[str, float]]:
    """Unloaded latency of each URL, requested in turn (ours, anchor, ours, ...), so that the machine's load at
    any moment weighs on both alike: on a shared 2-core box, measuring one server after the other moved the
    ratio of one route between 1.5x and 5.8x from run to run."""
    timings: list[list[float]] = [[] for _ in urls]
    with httpx.Client(headers={"Cookie": cookie} if cookie else None, timeout=60) as client:
        for _ in range(20):
            for url in urls:
                client.get(url)
        for _ in range(count):
            for i, url in enumerate(urls):
                start = time.perf_counter()
                response = client.get(url)
                timings[i].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
    out = []
    for series in timings:
        series.sort()
        out.append({"p50": statistics.median(series), "p99": series[max(0, int(len(series) * 0.99) - 1)]})
    return out


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settle(pid: int, timeout_s: float = 300) -> None:
    """Wait until the server is idle (the vector index, faiss IVF from 50k vectors, builds in a thread)."""
    deadline = time.monotonic() + timeout_s
    last = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _cpu_seconds(pid)
        if now - last < 0.05:
            return
        last = now


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/feed.atom", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        _settle(process.pid)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _log_in(base: str) -> str:
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf_token" value="(\w+)"', client.get("/login").text)[1]  # type: ignore[index]
        client.post("/login", data={"login": MEMBER, "password": BENCH_PASSWORD, "csrf_token": token})
        return f"dp_session={client.cookies['dp_session']}"


Row = dict[str, float]


def measure_pair(
    bases: list[str], paths: list[tuple[str, str, bool]], cookie: str, args: argparse.Namespace
) -> list[dict[str, Row]]:
    """Each route on each server (ours first, then the anchor, when it has the route), back to back."""
    rows: list[dict[str, Row]] = [{} for _ in bases]
    for name, path, logged_in, anchored in paths:
        for who, jar in (("anonymous", None), ("logged in", cookie)):
            if who == "logged in" and not logged_in:
                continue
            servers = bases if anchored else bases[:1]
            loaded = [_wrk(base + path, args.duration, args.connections, jar) for base in servers]
            quiet = _sequential([base + path for base in servers], args.sequential, jar)
            for i, (load, q) in enumerate(zip(loaded, quiet, strict=True)):
                rows[i][f"{name} ({who})"] = {"rps": load["rps"], "lp99": load.get("p99", 0), **q}
                if load["non2xx"]:
                    print(f"  {name} ({who}) on {servers[i]}: {load['non2xx']:.0f} non-2xx answers!")
    return rows


def run_size(size: int, args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="dailypapers-bench-"))
    env = {
        **os.environ,
        "DAILYPAPERS_DATA_DIR": str(work),
        "DAILYPAPERS_SCHEDULER": "false",  # no embedding competes for the 2 cores
        "DAILYPAPERS_PAGE_CACHE_SECONDS": "0",  # every request is rendered: what members and API clients get
    }
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    try:
        print(f"\n== {size:,} papers")
        upgrade(Settings(data_dir=work, database_url=None))
        subprocess.run(
            [*PYTHON, "users", "create-admin", "--username", MEMBER, "--email", "b@example.org", "--password-stdin"],
            env=env,
            input=BENCH_PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
        targets = build(Settings(data_dir=work, database_url=None), args.data, size, MEMBER)
        paths = [(n, p, li, True) for n, p, li in routes(targets)]
        paths += [(n, p.format(**targets), li, False) for n, p, li in OURS_ONLY]
        port, anchor_port = _free_port(), _free_port()
        anchor_cmd = [sys.executable, str(ROOT / "benchmarks" / "bare_anchor.py"), str(work / "dailypapers.sqlite3")]
        # Both servers run at once (each idle while the other is measured), so each route's two measurements
        # are taken minutes apart at most, not a whole size's run apart.
        with (
            server([*PYTHON, "serve", "--port", str(port), "--no-access-log"], env, port) as base,
            server([*anchor_cmd, str(anchor_port)], env, anchor_port) as anchor_base,
        ):
            cookie = _log_in(base)
            ours, anchor = measure_pair([base, anchor_base], paths, cookie, args)
        report(size, ours, anchor)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(size: int, ours: dict[str, Row], anchor: dict[str, Row]) -> None:
    print(f"\n{size:,} papers; wrk -c16 req/s and p99 under load; unloaded p50/p99 ms; ratio = our p50 / anchor p50")
    head = f"{'route':<36} {'req/s':>7} {'p99':>7} {'p50':>6} {'p99':>6} | {'anchor req/s':>12} {'p50':>6} {'ratio':>6}"
    print(head)
    for name, row in ours.items():
        a = anchor.get(name)
        tail = f"{a['rps']:>12.0f} {a['p50']:>6.2f} {row['p50'] / a['p50']:>5.2f}x" if a else f"{'—':>12}"
        print(f"{name:<36} {row['rps']:>7.0f} {row['lp99']:>7.1f} {row['p50']:>6.2f} {row['p99']:>6.2f} | {tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="hf_daily_papers folder")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sequential", type=int, default=300, help="requests for unloaded latency")
    args = parser.parse_args()
    if not (args.data / "days").is_dir():
        print(f"missing data: {args.data / 'days'} not found (this benchmark needs ../shared/data/hf_daily_papers)")
        return 2
    if shutil.which("wrk") is None:
        print("missing tool: wrk (Debian: apt-get install wrk)")
        return 2
    print(f"machine: {os.cpu_count()} cores; servers: 1 process each, SQLite WAL, access log off, cache off")
    print(f"load: wrk -t1 -c{args.connections} -d{args.duration}s; unloaded: {args.sequential} sequential requests")
    for size in (int(s) for s in args.sizes.split(",") if s):
        run_size(size, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
