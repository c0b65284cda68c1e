"""Upvotes: the page form (with and without htmx), the JSON API, trending kept in step, and exact counts under
1,000 concurrent toggles by 100 users over real HTTP."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.ranking.score import score_paper
from dailypapers.votes.models import Vote
from tests.conftest import _free_port
from tests.factories import api_token, form_token, load_days, log_in, make_user, make_users

PAPER = "2405.21060"


@pytest.fixture
def loaded(db: Database) -> Database:
    load_days(db)
    return db


def paper_state(db: Database, arxiv_id: str = PAPER) -> tuple[int, float, float]:
    """(upvotes, stored trending score, the score recomputed from the stored inputs)."""
    with db.read() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
        entered = session.scalar(select(DailyEntry.submitted_at).where(DailyEntry.paper_id == paper.id))
        assert entered is not None
        return paper.upvotes, paper.trending_score, score_paper(paper, entered)


def test_vote_form_without_javascript(loaded: Database, client: TestClient) -> None:
    make_user(loaded, "ada")
    before, _, _ = paper_state(loaded)
    log_in(client, "ada")
    page = client.get(f"/papers/{PAPER}")
    assert 'aria-pressed="false"' in page.text
    token = form_token(client, f"/papers/{PAPER}")
    response = client.post(f"/papers/{PAPER}/vote", data={"csrf_token": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    upvotes, stored, expected = paper_state(loaded)
    assert upvotes == before + 1 and stored == expected
    assert 'aria-pressed="true"' in client.get(f"/papers/{PAPER}").text
    client.post(f"/papers/{PAPER}/vote", data={"csrf_token": token})
    upvotes, stored, expected = paper_state(loaded)
    assert upvotes == before and stored == expected


def test_vote_with_htmx_swaps_the_button(loaded: Database, client: TestClient) -> None:
    make_user(loaded, "ada")
    log_in(client, "ada")
    token = form_token(client, f"/papers/{PAPER}")
    before, _, _ = paper_state(loaded)
    response = client.post(f"/papers/{PAPER}/vote", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form class="vote-form"')
    assert f"<strong>{before + 1}</strong>" in response.text and 'aria-pressed="true"' in response.text


def test_anonymous_voters_are_sent_to_log_in(loaded: Database, client: TestClient) -> None:
    page = client.get("/")
    assert 'href="/login?next=/papers/' in page.text  # the vote box is a link to log in
    # A vote form posted after the login ended (its token was bound to that login) asks for a reload.
    response = client.post(f"/papers/{PAPER}/vote", data={"csrf_token": "0" * 64}, follow_redirects=False)
    assert response.status_code == 403 and "Reload the page" in response.text


def test_vote_api(loaded: Database, client: TestClient) -> None:
    token = api_token(loaded, make_user(loaded, "ada"))
    headers = {"Authorization": f"Bearer {token}"}
    before, _, _ = paper_state(loaded)
    assert client.put(f"/api/papers/{PAPER}/vote", headers=headers).json() == {
        "paperId": PAPER, "upvoted": True, "upvotes": before + 1,
    }  # fmt: skip
    assert client.put(f"/api/papers/{PAPER}v2/vote", headers=headers).json()["upvotes"] == before + 1  # idempotent
    assert client.post(f"/api/papers/{PAPER}/vote", headers=headers).json()["upvoted"] is False  # toggle
    assert client.delete(f"/api/papers/{PAPER}/vote", headers=headers).json()["upvotes"] == before
    assert client.put(f"/api/papers/{PAPER}/vote").status_code == 401
    missing = client.put("/api/papers/2999.99999/vote", headers=headers)
    assert missing.status_code == 404 and "error" in missing.json()


def test_votes_move_trending_order(loaded: Database, client: TestClient) -> None:
    """Enough votes lift a paper above the one ranked just before it on the trending page."""
    with loaded.read() as session:
        ranked = list(session.scalars(select(Paper.arxiv_id).order_by(Paper.trending_score.desc()).limit(2)))
    second = ranked[1]
    tokens = [api_token(loaded, user) for user in make_users(loaded, "fan", 40)]
    for token in tokens:
        client.put(f"/api/papers/{second}/vote", headers={"Authorization": f"Bearer {token}"})
    _, stored, expected = paper_state(loaded, second)
    assert stored == expected
    with loaded.read() as session:
        top = session.scalar(select(Paper.arxiv_id).order_by(Paper.trending_score.desc()).limit(1))
    assert top == second
    assert client.get("/papers/trending").text.index(f"/papers/{second}") < client.get("/papers/trending").text.index(
        f"/papers/{ranked[0]}"
    )


def test_concurrent_toggles_keep_exact_counts(loaded: Database, live_server: str) -> None:
    """100 users send 1,000 toggles over 5 papers, 16 at a time in random order. Whatever the interleaving,
    each (user, paper) ends upvoted exactly when it was toggled an odd number of times."""
    with loaded.read() as session:
        papers = list(session.scalars(select(Paper.arxiv_id).order_by(Paper.id).limit(5)))
        base = dict(session.execute(select(Paper.arxiv_id, Paper.upvotes).where(Paper.arxiv_id.in_(papers))).all())
    users = make_users(loaded, "voter", 100)
    tokens = {user.id: api_token(loaded, user) for user in users}
    rng = random.Random(7)
    toggles = [(user.id, rng.choice(papers)) for user in users for _ in range(10)]
    rng.shuffle(toggles)

    def toggle(http: httpx.Client, job: tuple[int, str]) -> int:
        user_id, arxiv_id = job
        headers = {"Authorization": f"Bearer {tokens[user_id]}"}
        return http.post(f"{live_server}/api/papers/{arxiv_id}/vote", headers=headers).status_code

    limits = httpx.Limits(max_connections=16, keepalive_expiry=2)  # idle connections go before the server's
    with httpx.Client(timeout=60, limits=limits) as http, ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda job: toggle(http, job), toggles))
    assert statuses == [200] * len(toggles)
    odd = {(u, p) for u, p in set(toggles) if toggles.count((u, p)) % 2 == 1}
    with loaded.read() as session:
        rows = set(session.execute(select(Vote.user_id, Paper.arxiv_id).join(Paper, Paper.id == Vote.paper_id)).all())
        counts = dict(session.execute(select(Paper.arxiv_id, Paper.upvotes).where(Paper.arxiv_id.in_(papers))).all())
        assert session.scalar(select(func.count()).select_from(Vote)) == len(odd)
    assert {(u, p) for u, p in rows} == odd
    for arxiv_id in papers:
        assert counts[arxiv_id] == base[arxiv_id] + sum(1 for _, p in odd if p == arxiv_id)
        _, stored, expected = paper_state(loaded, arxiv_id)
        assert stored == expected


def _serve(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(settings.data_dir), "DAILYPAPERS_SCHEDULER": "false"}
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    command = [sys.executable, "-m", "dailypapers", "serve", "--port", str(port)]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/daily_papers", params={"date": "2025-10-29"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


@pytest.mark.sqlite_only
def test_two_server_processes_on_one_sqlite_file_keep_exact_counts(
    loaded: Database, settings: Settings, tmp_path: Path
) -> None:
    """What `serve --workers 2` does to SQLite: two processes write one file, so the in-process write queue no
    longer orders them and SQLite's own locking must. Two `dailypapers serve` processes on their own ports (so
    both surely take writes) get 400 concurrent toggles, alternately; the counts come out exact."""
    with loaded.read() as session:
        papers = list(session.scalars(select(Paper.arxiv_id).order_by(Paper.id).limit(3)))
        base = dict(session.execute(select(Paper.arxiv_id, Paper.upvotes).where(Paper.arxiv_id.in_(papers))).all())
    users = make_users(loaded, "proc", 50)
    tokens = {user.id: api_token(loaded, user) for user in users}
    rng = random.Random(11)
    toggles = [(user.id, rng.choice(papers)) for user in users for _ in range(8)]
    rng.shuffle(toggles)
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"serve-{port}.log" for port in ports]
    servers = [_serve(settings, port, log) for port, log in zip(ports, logs, strict=True)]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, server, log in zip(urls, servers, logs, strict=True):
            _wait_until_serving(url, server, log)

        def toggle(http: httpx.Client, numbered: tuple[int, tuple[int, str]]) -> tuple[int, int]:
            number, (user_id, arxiv_id) = numbered
            url = urls[number % 2]
            headers = {"Authorization": f"Bearer {tokens[user_id]}"}
            return number % 2, http.post(f"{url}/api/papers/{arxiv_id}/vote", headers=headers).status_code

        limits = httpx.Limits(max_connections=16, keepalive_expiry=2)
        with httpx.Client(timeout=60, limits=limits) as http, ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda job: toggle(http, job), enumerate(toggles)))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    assert Counter(results) == {(0, 200): 200, (1, 200): 200}, "\n".join(log.read_text()[-3000:] for log in logs)
    odd = {(u, p) for u, p in set(toggles) if toggles.count((u, p)) % 2 == 1}
    with loaded.read() as session:
        rows = set(session.execute(select(Vote.user_id, Paper.arxiv_id).join(Paper, Paper.id == Vote.paper_id)).all())
        counts = dict(session.execute(select(Paper.arxiv_id, Paper.upvotes).where(Paper.arxiv_id.in_(papers))).all())
    assert {(u, p) for u, p in rows} == odd
    for arxiv_id in papers:
        assert counts[arxiv_id] == base[arxiv_id] + sum(1 for _, p in odd if p == arxiv_id)
        _, stored, expected = paper_state(loaded, arxiv_id)
        assert stored == expected
