"""Two web hosts and two worker hosts (network namespaces of their own) sharing one PostgreSQL and one Redis,
reached over a bridge through forwarders, as separate machines would (issue #16 item 3). Shown: the jobs run
once (one harvest, each paper embedded once), a vote through one host is seen on the other, a rate limit holds
across hosts, and a worker killed with -9 mid-embedding leaves the other to finish its batch once its lease
expires, with no paper embedded twice and none missed. Skipped, with the reason, where namespaces cannot be made.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.jobs.claims import live_claims
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import paper_text
from dailypapers.search.tasks import claim_kind, pending_count
from tests.embedding_server import DIM, EmbeddingServer
from tests.factories import api_token, csrf_from, make_user
from tests.netns import Network, unavailable
from tests.redis_support import REDIS_URL, redis_prefix
from tests.replay import BULK_PAGES, ReplayServer
from tests.tcpproxy import TcpProxy

__all__ = ["redis_prefix"]  # the fixture, imported for pytest
pytestmark = [pytest.mark.postgresql_only]

WEB, WORKERS = (0, 1), (2, 3)
PAPERS = 3 * 64 + 5
MODEL = "stand-in"
LEASE_SECONDS = 4.0
LOGIN_TRIES = 3
PORT = 8000  # each web host has an address of its own, so both use one port


def _wait(condition: object, what: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture
def network() -> Iterator[Network]:
    reason = unavailable()
    if reason is not None:
        pytest.skip(f"no network namespaces here: {reason}")
    net = Network(hosts=4)
    try:
        yield net.up()
    finally:
        net.down()


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_two_web_and_two_worker_hosts(
    settings: Settings,
    db: Database,
    network: Network,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    bridge = network.bridge_address
    with ExitStack() as stack:
        database = make_url(settings.sqlalchemy_url)
        pg = TcpProxy(database.host or "127.0.0.1", database.port or 5432, listen_host=bridge).start()
        stack.callback(pg.stop)
        redis_url = make_url(REDIS_URL)
        redis = TcpProxy(redis_url.host or "127.0.0.1", redis_url.port or 6379, listen_host=bridge).start()
        stack.callback(redis.stop)
        replay = ReplayServer(host=bridge)
        replay.records_per_page = 10
        stack.callback(replay.start().stop)
        embeddings = EmbeddingServer(bridge, hold_first=True).start()
        stack.callback(embeddings.stop)

        with db.write() as session:
            session.add_all(
                Paper(arxiv_id=f"2501.{i:05d}", title=f"Paper {i}", abstract=f"Abstract {i}.") for i in range(PAPERS)
            )
        token = api_token(db, make_user(db, "ada"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
        env.update(
            DAILYPAPERS_DATA_DIR=str(settings.data_dir),
            DAILYPAPERS_DATABASE_URL=database.set(host=bridge, port=pg.port).render_as_string(hide_password=False),
            DAILYPAPERS_REDIS_URL=f"redis://{bridge}:{redis.port}/{redis_url.database or 0}",
            DAILYPAPERS_REDIS_KEY_PREFIX=redis_prefix,
            DAILYPAPERS_RATE_LIMIT_LOGIN=f"{LOGIN_TRIES}/minute",
            DAILYPAPERS_SCHEDULER="false",  # the web hosts serve; the worker hosts run the jobs
            DAILYPAPERS_ARXIV_OAI_URL=f"{replay.url}/oai",
            DAILYPAPERS_ARXIV_DELAY_SECONDS="0",
            DAILYPAPERS_CONTACT_EMAIL="tests@example.org",
            DAILYPAPERS_HARVEST_CATEGORIES="math.GT",
            DAILYPAPERS_EMBEDDER="openai",
            DAILYPAPERS_EMBEDDING_URL=embeddings.url,
            DAILYPAPERS_EMBEDDING_MODEL=MODEL,
            DAILYPAPERS_EMBEDDING_DIM=str(DIM),
            DAILYPAPERS_WORK_LEASE_SECONDS=str(LEASE_SECONDS),
        )
        processes: dict[int, subprocess.Popen[bytes]] = {}

        def start(host: int, argv: list[str]) -> None:
            log = (tmp_path / f"host{host}.log").open("wb")
            stack.callback(log.close)
            # A session of its own, so a kill takes the whole host's process group.
            processes[host] = subprocess.Popen(
                network.command(host, *argv), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

        def stop_all() -> None:
            for process in processes.values():
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

        stack.callback(stop_all)
        for host in WEB:
            start(host, [sys.executable, "-m", "dailypapers", "serve", "--host", network.address(host),
                         "--port", str(PORT), "--no-access-log"])  # fmt: skip
        # A worker host runs its jobs again and again (the scheduler's 60 s interval would make the test slow).
        loop = 'while :; do "$0" -m dailypapers worker --once --job arxiv-daily --job embed; sleep 0.3; done'
        for host in WORKERS:
            start(host, ["sh", "-c", loop, sys.executable])
        web = [f"http://{network.address(host)}:{PORT}" for host in WEB]
        for url in web:
            _wait(lambda url=url: _ready(url), f"{url}/readyz")

        # A vote through one host is seen on the other.
        headers = {"Authorization": f"Bearer {token}"}
        voted = httpx.put(f"{web[0]}/api/papers/2501.00001/vote", headers=headers, timeout=10)
        assert voted.status_code == 200 and voted.json()["upvotes"] == 1, voted.text
        seen = httpx.get(f"{web[1]}/api/papers/2501.00001", timeout=10)
        assert seen.status_code == 200 and seen.json()["upvotes"] == 1, seen.text

        # A rate limit holds across hosts: one budget of wrong log-ins for this address, whichever host answers.
        clients = [stack.enter_context(httpx.Client(base_url=url, timeout=10)) for url in web]
        tokens = [csrf_from(client.get("/login").text) for client in clients]
        statuses = [
            clients[n % 2]
            .post("/login", data={"login": f"nobody{n}", "password": "wrong password", "csrf_token": tokens[n % 2]})
            .status_code
            for n in range(2 * LOGIN_TRIES)
        ]
        assert statuses == [400] * LOGIN_TRIES + [429] * LOGIN_TRIES

        # Kill -9 the worker host whose first batch is being embedded; the other finishes everything.
        assert embeddings.holding.wait(120), "no worker asked for a batch"
        victim = next(host for host in WORKERS if network.address(host) == embeddings.held_client)
        os.killpg(processes[victim].pid, signal.SIGKILL)
        processes[victim].wait()
        kind = claim_kind(f"openai:{MODEL}")
        _wait(lambda: replay.count("oai") >= BULK_PAGES, "the harvest")
        _wait(lambda: pending_count(db, f"openai:{MODEL}") == 0, "every paper embedded")

        with db.read() as session:
            texts = [paper_text(t, a) for t, a in session.execute(select(Paper.title, Paper.abstract))]
            harvested = session.scalars(select(Paper.arxiv_id).where(~Paper.arxiv_id.like("2501.%"))).all()
        assert harvested, "the harvest stored nothing"
        assert embeddings.answered == {text: 1 for text in texts}  # none embedded twice, none missed
        assert live_claims(db, kind) == 0
        assert replay.count("oai") == BULK_PAGES  # one harvest, by one of the two worker hosts
        logs = "".join((tmp_path / f"host{host}.log").read_text() for host in WORKERS)
        assert logs.count("arxiv-daily: ran: harvested") == 1, logs[-3000:]
        survivor = next(host for host in WORKERS if host != victim)
        assert processes[survivor].poll() is None, "the surviving worker host stopped"
