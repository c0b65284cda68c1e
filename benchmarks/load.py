"""Benchmark: mixed load against one and two web processes sharing PostgreSQL and Redis (issue #16 item 4).

Corpus: the bundled demo days (feed entries and upvotes) plus ``--papers`` real arXiv records resampled under new
ids (the 10,000 recorded OAI-PMH records of ``tests/fixtures/oai_bulk``, in Kaggle JSON lines through
``dailypapers import jsonl``), in a fresh PostgreSQL database; ``--members`` members, each with an API token and
a logged-in browser session. Servers: ``dailypapers serve`` (one process each, page cache on as in production,
scheduler off) with ``DAILYPAPERS_REDIS_URL`` set, so both share rate limits.

The mix (bounded asyncio client, ``--seconds`` per step, concurrency 8, 32 and 128, round-robin over the
servers): anonymous feeds 50 % (home, day page, Atom, ``/api/daily_papers``), paper pages 20 %, search 15 %,
logged-in pages 10 % (home, ``/for-you``), votes 5 % (``PUT``/``DELETE /api/papers/{id}/vote``; each client task
acts as its own member, so the final state of every vote is known). Afterwards every paper's count must equal
its source upvotes plus its vote rows, and the vote rows must be exactly the expected ones. Nothing is asserted
in a test; the numbers are printed.

    .venv/bin/python benchmarks/load.py [--papers 100000] [--seconds 20] [--members 128]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest_jsonl import _kaggle_line  # noqa: E402
from benchmarks.ingest_oai import _drop, _postgres_database  # noqa: E402
from dailypapers.config import Settings  # noqa: E402
from dailypapers.db import Database, create_db_engine  # noqa: E402
from dailypapers.sources.arxiv_oai import MetadataFormat, parse_list_records  # noqa: E402
from tests.factories import PASSWORD, api_token, make_users  # noqa: E402
from tests.replay import BULK_PAGES, bulk_page  # noqa: E402

PYTHON = [sys.executable, "-m", "dailypapers"]
MIX = (("anonymous feed", 50), ("paper page", 20), ("search", 15), ("logged-in page", 10), ("vote", 5))
WORDS = ("language model", "diffusion", "reinforcement learning", "graph", "agents", "retrieval", "vision")
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def write_corpus(path: Path, count: int) -> int:
    """``count`` records resampled from the recorded ones, each under a new, valid arXiv id (years 30 on)."""
    records = [
        record
        for index in range(BULK_PAGES)
        for record in parse_list_records(bulk_page(index), f"page {index}", MetadataFormat.arxiv).records
    ]
    with path.open("w") as out:
        for i in range(count):
            record = records[i % len(records)]
            yy, mm, num = 30 + i // (12 * 99_999), 1 + (i // 99_999) % 12, 1 + i % 99_999
            line = _kaggle_line(record).replace(f'"id": "{record.arxiv_id}"', f'"id": "{yy:02d}{mm:02d}.{num:05d}"', 1)
            out.write(line + "\n")
    return count


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [*PYTHON, "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("a server did not start")


def _log_in(base: str, username: str) -> str:
    with httpx.Client(base_url=base, timeout=60) as client:
        token = _CSRF.search(client.get("/login").text)[1]  # type: ignore[index]
        client.post("/login", data={"login": username, "password": PASSWORD, "csrf_token": token})
        return f"dp_session={client.cookies['dp_session']}"


class Load:
    """One step of the mix: ``concurrency`` tasks for ``seconds``, each task its own member."""

    def __init__(self, bases: list[str], members: list[tuple[str, str]], papers: list[str], day: str) -> None:
        self.bases, self.members, self.papers, self.day = bases, members, papers, day
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        # (member index, paper) -> upvoted, as the server last confirmed it.
        self.votes: dict[tuple[int, str], bool] = {}

    def _request(self, kind: str, rng: random.Random, member: int) -> tuple[str, str, dict[str, str]]:
        cookie, token = self.members[member]
        paper = rng.choice(self.papers)
        if kind == "anonymous feed":
            path = rng.choice(("/", f"/papers/date/{self.day}", "/feed.atom", f"/api/daily_papers?date={self.day}"))
            return "GET", path, {}
        if kind == "paper page":
            return "GET", f"/papers/{paper}", {}
        if kind == "search":
            return "GET", f"/search?q={rng.choice(WORDS).replace(' ', '+')}", {}
        if kind == "logged-in page":
            return "GET", rng.choice(("/", "/for-you")), {"Cookie": cookie}
        upvote = not self.votes.get((member, paper), False)
        return ("PUT" if upvote else "DELETE"), f"/api/papers/{paper}/vote", {"Authorization": f"Bearer {token}"}

    async def _task(self, clients: list[httpx.AsyncClient], member: int, until: float) -> None:
        rng = random.Random(member)
        kinds, weights = zip(*MIX, strict=True)
        n = member
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            method, path, headers = self._request(kind, rng, member)
            client = clients[n % len(clients)]
            n += 1
            start = time.perf_counter()
            try:
                response = await client.request(method, path, headers=headers)
            except httpx.HTTPError:
                self.errors[kind] += 1
                continue
            self.timings[kind].append((time.perf_counter() - start) * 1000)
            if response.status_code >= 400:
                self.errors[kind] += 1
            elif kind == "vote":
                self.votes[(member, path.split("/")[3])] = response.json()["upvoted"]

    async def run(self, concurrency: int, seconds: float) -> float:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        clients = [httpx.AsyncClient(base_url=b, timeout=60, limits=limits) for b in self.bases]
        started = time.monotonic()
        try:
            await asyncio.gather(*(self._task(clients, m, started + seconds) for m in range(concurrency)))
        finally:
            for client in clients:
                await client.aclose()
        return time.monotonic() - started


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def _check_votes(db: Database, load: Load, usernames: list[str]) -> str:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT u.username, p.arxiv_id FROM votes v "
            "JOIN users u ON u.id = v.user_id JOIN papers p ON p.id = v.paper_id"
        ).all()
        drift = connection.exec_driver_sql(
            "SELECT count(*) FROM papers p WHERE p.upvotes <> p.source_upvotes + "
            "(SELECT count(*) FROM votes v WHERE v.paper_id = p.id)"
        ).scalar()
    expected = {(usernames[m], paper) for (m, paper), up in load.votes.items() if up}
    stored = {(user, paper) for user, paper in rows if user in set(usernames)}
    return (
        f"vote rows expected {len(expected)}, stored {len(stored)}, identical: {expected == stored}; "
        f"papers whose count drifted: {drift}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000, help="resampled records added to the demo days")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each step")
    parser.add_argument("--members", type=int, default=128)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    name = _postgres_database()
    if name is None:
        print("missing: PostgreSQL on 127.0.0.1:5432 (this benchmark needs it)")
        return 2
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    work = Path(tempfile.mkdtemp(prefix="dailypapers-load-"))
    env = {
        **os.environ,
        "DAILYPAPERS_DATA_DIR": str(work),
        "DAILYPAPERS_DATABASE_URL": url,
        "DAILYPAPERS_REDIS_URL": args.redis,
        "DAILYPAPERS_REDIS_KEY_PREFIX": f"load-{name}",
        "DAILYPAPERS_SCHEDULER": "false",
        # Members vote far more often than a person would; the limits are not what is measured here.
        "DAILYPAPERS_RATE_LIMIT_LOGIN": "100000/minute",
    }
    servers: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([*PYTHON, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*PYTHON, "import", "demo"], env=env, check=True, capture_output=True)
        corpus = work / "corpus.jsonl"
        write_corpus(corpus, args.papers)
        start = time.perf_counter()
        subprocess.run([*PYTHON, "import", "jsonl", str(corpus)], env=env, check=True, capture_output=True)
        loaded = time.perf_counter() - start
        settings = Settings(database_url=url, data_dir=work)
        db = Database(create_db_engine(settings))
        users = make_users(db, "load", args.members)
        usernames = [u.username for u in users]
        tokens = [api_token(db, user, "load") for user in users]
        with db.engine.connect() as connection:
            total = connection.exec_driver_sql("SELECT count(*) FROM papers").scalar()
            papers = [
                r[0] for r in connection.exec_driver_sql("SELECT arxiv_id FROM papers ORDER BY random() LIMIT 2000")
            ]
            day = str(connection.exec_driver_sql("SELECT max(day) FROM daily_entries").scalar())
        print(
            f"corpus: {total:,} papers in PostgreSQL ({args.papers:,} resampled records imported in {loaded:.0f} s, "
            f"{args.papers / loaded:,.0f} records/s); {args.members} members"
        )
        print(f"machine: {os.cpu_count()} cores (client, servers, PostgreSQL and Redis on the same machine)")
        ports = [_free_port() for _ in range(2)]
        servers = [_serve(env, ports[0])]
        cookies = [_log_in(f"http://127.0.0.1:{ports[0]}", u) for u in usernames]
        members = list(zip(cookies, tokens, strict=True))
        load = Load([], members, papers, day)
        for hosts in (1, 2):
            if hosts == 2:
                servers.append(_serve(env, ports[1]))
            load.bases = [f"http://127.0.0.1:{p}" for p in ports[:hosts]]
            print(f"\n{hosts} web process(es), {args.seconds:.0f} s per step")
            print(f"{'concurrency':>11} {'req/s':>7} {'errors':>7} | " + " | ".join(f"{k} p50/p99 ms" for k, _ in MIX))
            for concurrency in [c for c in (8, 32, 128) if c <= args.members]:
                load.timings.clear()
                load.errors.clear()
                elapsed = asyncio.run(load.run(concurrency, args.seconds))
                done = sum(len(t) for t in load.timings.values())
                failed = sum(load.errors.values())
                cells = [
                    f"{statistics.median(load.timings[k]) if load.timings[k] else float('nan'):.1f}/"
                    f"{_percentile(load.timings[k], 0.99):.1f}"
                    for k, _ in MIX
                ]
                print(f"{concurrency:>11} {done / elapsed:>7.0f} {failed / max(1, done):>7.2%} | " + " | ".join(cells))
        print("\n" + _check_votes(db, load, usernames))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        _drop(name)
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


if __name__ == "__main__":
    raise SystemExit(main())
