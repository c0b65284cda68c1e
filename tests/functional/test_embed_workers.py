"""Embedding spread over worker processes: disjoint claimed batches, none embedded twice, none missed, and a
worker killed with -9 mid-batch leaves its batch to the others once its lease expires (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.jobs.claims import live_claims
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import OpenAICompatible, paper_text
from dailypapers.search.models import PaperVector
from dailypapers.search.tasks import BATCH, claim_kind, embed_pending, pending_count
from tests.embedding_server import DIM, EmbeddingServer

PAPERS = 5 * BATCH + 7  # several batches each, and a ragged last one
MODEL = "stand-in"
MODEL_ID = f"openai:{MODEL}"
LEASE_SECONDS = 5.0


def add_papers(db: Database, count: int = PAPERS) -> list[str]:
    with db.write() as session:
        session.add_all(
            Paper(arxiv_id=f"2501.{i:05d}", title=f"Paper {i}", abstract=f"Abstract number {i}.") for i in range(count)
        )
    return [paper_text(f"Paper {i}", f"Abstract number {i}.") for i in range(count)]


def worker_env(settings: Settings, server: EmbeddingServer) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        DAILYPAPERS_DATA_DIR=str(settings.data_dir),
        DAILYPAPERS_EMBEDDER="openai",
        DAILYPAPERS_EMBEDDING_URL=server.url,
        DAILYPAPERS_EMBEDDING_MODEL=MODEL,
        DAILYPAPERS_EMBEDDING_DIM=str(DIM),
        DAILYPAPERS_WORK_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    if settings.database_url:
        env["DAILYPAPERS_DATABASE_URL"] = settings.database_url
    else:
        env.pop("DAILYPAPERS_DATABASE_URL", None)
    return env


WORKER = [sys.executable, "-m", "dailypapers", "worker", "--once", "--job", "embed"]


@pytest.fixture
def pairing_server() -> Iterator[EmbeddingServer]:
    server = EmbeddingServer(pair_up=True).start()
    yield server
    server.stop()


@pytest.fixture
def holding_server() -> Iterator[EmbeddingServer]:
    server = EmbeddingServer(hold_first=True).start()
    yield server
    server.stop()


def _stored(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(PaperVector).where(PaperVector.model == MODEL_ID)) or 0


def test_two_workers_embed_a_corpus_together(settings: Settings, db: Database, pairing_server: EmbeddingServer) -> None:
    texts = add_papers(db)
    env = worker_env(settings, pairing_server)
    workers = [
        subprocess.Popen(WORKER, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in "ab"
    ]
    outputs = [w.communicate(timeout=180)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert pairing_server.paired.is_set(), "the two workers never embedded at the same time"
    assert pairing_server.answered == {t: 1 for t in texts}  # each paper embedded once, none missed
    assert _stored(db) == PAPERS and pending_count(db, MODEL_ID) == 0
    assert live_claims(db, claim_kind(MODEL_ID)) == 0
    counts = [int(out.split("embedded ")[1].split()[0]) for out in outputs]
    assert sum(counts) == PAPERS and min(counts) > 0, outputs  # both did a share


def test_a_killed_workers_batch_is_reclaimed_after_its_lease(
    settings: Settings, db: Database, holding_server: EmbeddingServer
) -> None:
    texts = add_papers(db)
    victim = subprocess.Popen(WORKER, env=worker_env(settings, holding_server), stdout=subprocess.DEVNULL)
    try:
        assert holding_server.holding.wait(120), "the worker never asked for its first batch"
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    kind = claim_kind(MODEL_ID)
    assert live_claims(db, kind) == BATCH  # the dead worker's batch, claimed when it died
    survivor = OpenAICompatible(holding_server.url, MODEL, DIM)
    # While the lease lasts, the survivor does everything else and leaves that batch alone.
    assert embed_pending(db, survivor, lease_seconds=LEASE_SECONDS) == PAPERS - BATCH
    if live_claims(db, kind):  # else the lease ran out during the run above, and the batch went with the rest
        assert pending_count(db, MODEL_ID) == BATCH
    deadline = time.monotonic() + 60
    while pending_count(db, MODEL_ID):
        assert time.monotonic() < deadline, "the dead worker's batch was never reclaimed"
        embed_pending(db, survivor, lease_seconds=LEASE_SECONDS)
        time.sleep(0.1)
    assert holding_server.answered == {t: 1 for t in texts}
    assert _stored(db) == PAPERS and live_claims(db, kind) == 0
