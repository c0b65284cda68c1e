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

At 1M papers (issue #16: "1M for the feed and search rows") the corpus file is written line by line (1.3 GB,
never held in memory, deleted once imported) and the import takes minutes: ``--keep-db`` keeps the database
afterwards and ``--reuse-db NAME`` runs the steps against it again without importing (new members, under a new
name prefix, so the vote check covers this run's votes only). After the import the database is vacuumed and
analysed (what autovacuum would do a little later, done before measuring so that it does not run during a step;
timed separately from the import). ``--kinds`` restricts the mix (the weights of the kinds left keep their
ratio); ``--server-log FILE`` keeps the servers' stderr (tracebacks) instead of discarding it. Each step's row
ends with the 1-minute load average at its start and end.

    .venv/bin/python benchmarks/load.py [--papers 100000] [--seconds 20] [--members 128]
    .venv/bin/python benchmarks/load.py --papers 1000000 --seconds 15 --keep-db --server-log /tmp/load-servers.log
    .venv/bin/python benchmarks/load.py --reuse-db dailypapers_bench_xxxxxxxx --kinds feed,search
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest_jsonl import _kaggle_line  # noqa: E402
from benchmarks.ingest_oai import POSTGRES_DSN, _drop, _postgres_database  # noqa: E402
from dailypapers.config import Settings  # noqa: E402
from dailypapers.db import Database, create_db_engine  # noqa: E402
from dailypapers.sources.arxiv_oai import MetadataFormat, parse_list_records  # noqa: E402
from tests.factories import PASSWORD, api_token, make_users  # noqa: E402
from tests.replay import BULK_PAGES, bulk_page  # noqa: E402

PYTHON = [sys.executable, "-m", "dailypapers"]
MIX = (("anonymous feed", 50), ("paper page", 20), ("search", 15), ("logged-in page", 10), ("vote", 5))
WORDS = ("language model", "diffusion", "reinforcement learning", "graph", "agents", "retrieval", "vision")
# --kinds names for the kinds of the mix.
SHORT = {
    "feed": "anonymous feed",
    "paper": "paper page",
    "search": "search",
    "logged-in": "logged-in page",
    "vote": "vote",
}
# Resampled ids: yymm.nnnnn from 3001 on, 99,999 a month (arXiv's five-digit numbers), distinct for every i.
PER_MONTH = 99_999
MAX_PAPERS = (100 - 30) * 12 * PER_MONTH
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def resampled_id(i: int) -> str:
    """The ``i``-th new id: a valid, distinct new-style arXiv id (``3001.00001``, ``3001.00002``, ...)."""
    if not 0 <= i < MAX_PAPERS:
        raise ValueError(f"at most {MAX_PAPERS:,} resampled ids")
    yy, mm, num = 30 + i // (12 * PER_MONTH), 1 + (i // PER_MONTH) % 12, 1 + i % PER_MONTH
    return f"{yy:02d}{mm:02d}.{num:05d}"


def write_corpus(path: Path, count: int) -> int:
    """``count`` records resampled from the recorded ones, each under a new, valid arXiv id (years 30 on).

    Written line by line: each recorded record is serialised once, and only its id changes from copy to copy.
    """
    templates = []
    for index in range(BULK_PAGES):
        for record in parse_list_records(bulk_page(index), f"page {index}", MetadataFormat.arxiv).records:
            line = _kaggle_line(record)
            head = f'{{"id": "{record.arxiv_id}", '
            assert line.startswith(head), line[:80]
            templates.append(line[len(head) :])
    with path.open("w") as out:
        for i in range(count):
            out.write(f'{{"id": "{resampled_id(i)}", {templates[i % len(templates)]}\n')
    return count


def _serve(env: dict[str, str], port: int, log: Path | None) -> subprocess.Popen[bytes]:
    stderr = log.open("a") if log else subprocess.DEVNULL
    server = subprocess.Popen(
        [*PYTHON, "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    if log:
        stderr.close()  # type: ignore[union-attr]
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

    def __init__(
        self,
        bases: list[str],
        members: list[tuple[str, str]],
        papers: list[str],
        day: str,
        mix: tuple[tuple[str, int], ...] = MIX,
    ) -> None:
        self.bases, self.members, self.papers, self.day, self.mix = bases, members, papers, day, mix
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        # (kind, HTTP status or exception class) -> count, for the report of what failed.
        self.failures: dict[tuple[str, str], int] = defaultdict(int)
        # (member index, paper) -> upvoted, as the server last confirmed it.
        self.votes: dict[tuple[int, str], bool] = {}
        # Each step draws its own requests: seeded by member alone, every step replayed the earlier steps' requests
        # (a member's second step withdrew the votes of its first).
        self.step = 0

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
        rng = random.Random(self.step * 100_003 + member)
        kinds, weights = zip(*self.mix, strict=True)
        n = member
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            method, path, headers = self._request(kind, rng, member)
            client = clients[n % len(clients)]
            n += 1
            start = time.perf_counter()
            try:
                response = await client.request(method, path, headers=headers)
            except httpx.HTTPError as error:
                self.errors[kind] += 1
                self.failures[(kind, type(error).__name__)] += 1
                continue
            self.timings[kind].append((time.perf_counter() - start) * 1000)
            if response.status_code >= 400:
                self.errors[kind] += 1
                self.failures[(kind, str(response.status_code))] += 1
            elif kind == "vote":
                self.votes[(member, path.split("/")[3])] = response.json()["upvoted"]

    async def run(self, concurrency: int, seconds: float) -> float:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        clients = [httpx.AsyncClient(base_url=b, timeout=60, limits=limits) for b in self.bases]
        self.step += 1
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
        # Every paper (one join of the vote counts, not a subquery per paper: 1M papers).
        drift = connection.exec_driver_sql(
            "SELECT count(*) FROM papers p LEFT JOIN (SELECT paper_id, count(*) AS n FROM votes GROUP BY paper_id) v "
            "ON v.paper_id = p.id WHERE p.upvotes <> p.source_upvotes + coalesce(v.n, 0)"
        ).scalar()
    expected = {(usernames[m], paper) for (m, paper), up in load.votes.items() if up}
    members = set(usernames)
    stored = {(user, paper) for user, paper in rows if user in members}
    return (
        f"vote rows expected {len(expected)}, stored {len(stored)}, identical: {expected == stored}; "
        f"papers whose count drifted: {drift}"
    )


def _load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _kinds(value: str) -> tuple[tuple[str, int], ...]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in SHORT]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"kinds are {', '.join(SHORT)} (comma-separated); got {value!r}")
    wanted = {SHORT[n] for n in names}
    return tuple((kind, weight) for kind, weight in MIX if kind in wanted)


def _vacuum(url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def _size(name: str) -> str:
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
        row = admin.execute("SELECT pg_size_pretty(pg_database_size(%s))", (name,)).fetchone()
    return str(row[0]) if row else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000, help="resampled records added to the demo days")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each step")
    parser.add_argument("--members", type=int, default=128)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--kinds", type=_kinds, default=MIX, help=f"comma-separated kinds of the mix to run ({', '.join(SHORT)})"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--reuse-db", metavar="NAME", help="a database kept by --keep-db: no import (implies keeping)")
    parser.add_argument("--server-log", type=Path, help="append the servers' stderr to this file")
    args = parser.parse_args()
    mix: tuple[tuple[str, int], ...] = args.kinds
    if args.papers > MAX_PAPERS:
        parser.error(f"--papers: at most {MAX_PAPERS:,}")
    keep = args.keep_db or args.reuse_db is not None
    name = args.reuse_db or _postgres_database()
    if name is None:
        print("missing: PostgreSQL on 127.0.0.1:5432 (this benchmark needs it)")
        return 2
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    work = Path(tempfile.mkdtemp(prefix="dailypapers-load-"))
    run = secrets.token_hex(3)
    env = {
        **os.environ,
        "DAILYPAPERS_DATA_DIR": str(work),
        "DAILYPAPERS_DATABASE_URL": url,
        "DAILYPAPERS_REDIS_URL": args.redis,
        "DAILYPAPERS_REDIS_KEY_PREFIX": f"load-{name}-{run}",
        "DAILYPAPERS_SCHEDULER": "false",
        # Members vote far more often than a person would; the limits are not what is measured here.
        "DAILYPAPERS_RATE_LIMIT_LOGIN": "100000/minute",
    }
    servers: list[subprocess.Popen[bytes]] = []
    db: Database | None = None
    try:
        print(f"database {name}; load average {_load_average()} at {time.strftime('%H:%M:%S')}", flush=True)
        if args.reuse_db:
            print("corpus: reused (not imported in this run)")
        else:
            subprocess.run([*PYTHON, "db", "upgrade"], env=env, check=True, capture_output=True)
            subprocess.run([*PYTHON, "import", "demo"], env=env, check=True, capture_output=True)
            corpus = work / "corpus.jsonl"
            start = time.perf_counter()
            write_corpus(corpus, args.papers)
            print(
                f"corpus file: {args.papers:,} lines, {corpus.stat().st_size / 1e9:.2f} GB, "
                f"written in {time.perf_counter() - start:.0f} s; load average {_load_average()}",
                flush=True,
            )
            start = time.perf_counter()
            subprocess.run([*PYTHON, "import", "jsonl", str(corpus)], env=env, check=True, capture_output=True)
            loaded = time.perf_counter() - start
            corpus.unlink()
            print(
                f"import jsonl: {args.papers:,} records in {loaded:.0f} s, {args.papers / loaded:,.0f} records/s; "
                f"load average {_load_average()} at {time.strftime('%H:%M:%S')}",
                flush=True,
            )
            vacuumed = _vacuum(url)
            print(f"VACUUM (ANALYZE): {vacuumed:.0f} s; load average {_load_average()}", flush=True)
        settings = Settings(database_url=url, data_dir=work)
        db = Database(create_db_engine(settings))
        users = make_users(db, f"load{run}x", args.members)
        usernames = [u.username for u in users]
        tokens = [api_token(db, user, "load") for user in users]
        with db.engine.connect() as connection:
            total = connection.exec_driver_sql("SELECT count(*) FROM papers").scalar()
            vectors = connection.exec_driver_sql("SELECT count(*) FROM paper_vectors").scalar()
            papers = [
                r[0] for r in connection.exec_driver_sql("SELECT arxiv_id FROM papers ORDER BY random() LIMIT 2000")
            ]
            day = str(connection.exec_driver_sql("SELECT max(day) FROM daily_entries").scalar())
        print(
            f"corpus: {total:,} papers in PostgreSQL ({_size(name)}), {vectors:,} with a vector "
            f"(search is hybrid, the default: keyword alone while there are none); {args.members} members"
        )
        print(f"machine: {os.cpu_count()} cores (client, servers, PostgreSQL and Redis on the same machine)")
        print("mix: " + ", ".join(f"{kind} {weight}" for kind, weight in mix), flush=True)
        ports = [_free_port() for _ in range(2)]
        servers = [_serve(env, ports[0], args.server_log)]
        cookies = [_log_in(f"http://127.0.0.1:{ports[0]}", u) for u in usernames]
        members = list(zip(cookies, tokens, strict=True))
        load = Load([], members, papers, day, mix)
        for hosts in (1, 2):
            if hosts == 2:
                servers.append(_serve(env, ports[1], args.server_log))
            load.bases = [f"http://127.0.0.1:{p}" for p in ports[:hosts]]
            print(f"\n{hosts} web process(es), {args.seconds:.0f} s per step")
            print(
                f"{'concurrency':>11} {'req/s':>7} {'errors':>7} | "
                + " | ".join(f"{k} p50/p99 ms" for k, _ in mix)
                + " | load average start/end"
            )
            for concurrency in [c for c in (8, 32, 128) if c <= args.members]:
                load.timings.clear()
                load.errors.clear()
                load.failures.clear()
                before = _load_average()
                elapsed = asyncio.run(load.run(concurrency, args.seconds))
                done = sum(len(t) for t in load.timings.values())
                failed = sum(load.errors.values())
                cells = [
                    f"{statistics.median(load.timings[k]) if load.timings[k] else float('nan'):.1f}/"
                    f"{_percentile(load.timings[k], 0.99):.1f}"
                    for k, _ in mix
                ]
                print(
                    f"{concurrency:>11} {done / elapsed:>7.0f} {failed / max(1, done):>7.2%} | "
                    + " | ".join(cells)
                    + f" | {before}/{_load_average()}"
                    + (
                        f"  errors: {', '.join(f'{k} {c}: {n}' for (k, c), n in sorted(load.failures.items()))}"
                        if failed
                        else ""
                    ),
                    flush=True,
                )
        print("\n" + _check_votes(db, load, usernames))
        print(f"load average {_load_average()} at {time.strftime('%H:%M:%S')}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        if db is not None:
            db.dispose()
        shutil.rmtree(work, ignore_errors=True)
        if keep:
            print(f'kept: database {name} (drop it with: DROP DATABASE "{name}" WITH (FORCE))')
        else:
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
