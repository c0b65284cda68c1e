"""`dailypapers db backup` and `db restore` (issue #16), on SQLite and PostgreSQL: a backup taken while votes
are being written is one consistent snapshot; a backup of a quiet database restores to identical tables."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Base, Database
from dailypapers.papers.models import Paper
from dailypapers.votes.models import Vote
from dailypapers.votes.services import set_vote
from tests.conftest import POSTGRES_ADMIN_DSN, _postgres_admin
from tests.factories import load_days, make_users

VOTERS = 6
PAPERS = 12


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(settings.data_dir)}
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    if settings.database_url:
        env["DAILYPAPERS_DATABASE_URL"] = settings.database_url
    command = [sys.executable, "-m", "dailypapers", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def fresh(settings: Settings, tmp_path: Path) -> Iterator[list[Settings]]:
    """Two empty databases of the test's backend (nothing in them, not even the schema)."""
    if settings.is_sqlite:
        yield [Settings(data_dir=tmp_path / f"fresh{n}", database_url=None) for n in range(2)]
        return
    names = [f"dailypapers_restore_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    params = dict(item.split("=", 1) for item in POSTGRES_ADMIN_DSN.split())
    base = (
        f"postgresql://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}"
    )
    with _postgres_admin() as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [Settings(data_dir=tmp_path, database_url=f"{base}/{name}") for name in names]
    finally:
        with _postgres_admin() as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables_checksum(settings: Settings) -> dict[str, tuple[int, str]]:
    """Per table of the site: (rows, sha256 of every row in primary-key order)."""
    database = Database.from_settings(settings)
    try:
        result = {}
        with database.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                digest = hashlib.sha256("\n".join(repr(tuple(row)) for row in rows).encode()).hexdigest()
                result[table.name] = (len(rows), digest)
        return result
    finally:
        database.dispose()


def votes_and_counts(settings: Settings) -> tuple[set[tuple[int, int]], dict[int, int]]:
    database = Database.from_settings(settings)
    try:
        with database.read() as session:
            votes = {(u, p) for u, p in session.execute(select(Vote.user_id, Vote.paper_id))}
            counts = {paper_id: upvotes for paper_id, upvotes in session.execute(select(Paper.id, Paper.upvotes))}
        return votes, counts
    finally:
        database.dispose()


class VoteWriter(threading.Thread):
    """Casts and withdraws votes in a fixed cycle until stopped; ``done`` counts the committed changes, so the
    state after any prefix of them can be recomputed."""

    def __init__(self, db: Database, pairs: list[tuple[int, int]]) -> None:
        super().__init__(daemon=True)
        self.db, self.pairs = db, pairs
        self.done = 0
        self.stop = threading.Event()
        self.started_writing = threading.Event()
        self.error: BaseException | None = None

    def op(self, number: int) -> tuple[tuple[int, int], bool]:
        """The ``number``-th change: every pair upvoted in turn, then every pair withdrawn, and again."""
        return self.pairs[number % len(self.pairs)], (number // len(self.pairs)) % 2 == 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                (user_id, paper_id), up = self.op(self.done)
                with self.db.write() as session:
                    set_vote(session, session.get_one(User, user_id), session.get_one(Paper, paper_id), up)
                self.done += 1
                if self.done >= 10:
                    self.started_writing.set()
        except BaseException as exc:
            self.error = exc
            self.started_writing.set()

    def state_after(self, count: int) -> set[tuple[int, int]]:
        votes: set[tuple[int, int]] = set()
        for number in range(count):
            pair, up = self.op(number)
            (votes.add if up else votes.discard)(pair)
        return votes


def test_backup_while_votes_are_written_restores_one_consistent_snapshot(
    db: Database, settings: Settings, fresh: list[Settings], tmp_path: Path
) -> None:
    load_days(db)
    users = [u.id for u in make_users(db, "voter", VOTERS)]
    with db.read() as session:
        papers = list(session.scalars(select(Paper.id).order_by(Paper.id).limit(PAPERS)))
    _, base = votes_and_counts(settings)
    writer = VoteWriter(db, [(u, p) for u in users for p in papers])
    writer.start()
    try:
        assert writer.started_writing.wait(60) and writer.error is None
        before = writer.done
        backed_up = cli(settings, "db", "backup", str(tmp_path / "live.backup"))
        after = writer.done
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None
    assert backed_up.returncode == 0, backed_up.stderr
    assert "backed up to" in backed_up.stdout

    restored = cli(fresh[0], "db", "restore", str(tmp_path / "live.backup"))
    assert restored.returncode == 0, restored.stderr
    votes, counts = votes_and_counts(fresh[0])
    # One snapshot: exactly the votes after some prefix of the committed changes, taken during the backup (the
    # writer counts a change just after its commit, so the snapshot may hold one more than `after` said).
    assert any(votes == writer.state_after(k) for k in range(before, after + 2)), (before, after, len(votes))
    # And the counts agree with the vote rows of that same instant (no torn transaction).
    for paper_id, upvotes in counts.items():
        assert upvotes == base[paper_id] + sum(1 for _, p in votes if p == paper_id)

    # Quiet now: a backup restored into a database fresh from `db upgrade` is identical, table by table.
    assert cli(settings, "db", "backup", str(tmp_path / "quiet.backup")).returncode == 0
    assert cli(fresh[1], "db", "upgrade").returncode == 0
    again = cli(fresh[1], "db", "restore", str(tmp_path / "quiet.backup"))
    assert again.returncode == 0, again.stderr
    source, copy = tables_checksum(settings), tables_checksum(fresh[1])
    assert source == copy
    assert source["votes"][0] > 0 and source["papers"][0] > 0


def test_restore_refuses_a_database_with_data_unless_forced(
    db: Database, settings: Settings, fresh: list[Settings], tmp_path: Path
) -> None:
    load_days(db)
    assert cli(settings, "db", "backup", str(tmp_path / "one.backup")).returncode == 0
    refused = cli(settings, "db", "restore", str(tmp_path / "one.backup"))
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    # The backup is not overwritten by accident either.
    exists = cli(settings, "db", "backup", str(tmp_path / "one.backup"))
    assert exists.returncode == 1 and "exists" in exists.stderr
    forced = cli(settings, "db", "restore", "--force", str(tmp_path / "one.backup"))
    assert forced.returncode == 0, forced.stderr
    assert tables_checksum(settings)["papers"][0] > 0


def test_restore_names_a_wrong_or_missing_file(settings: Settings, db: Database, tmp_path: Path) -> None:
    missing = cli(settings, "db", "restore", str(tmp_path / "nothing-here"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    junk = tmp_path / "junk.backup"
    junk.write_text("hello")
    wrong = cli(settings, "db", "restore", str(junk))
    assert wrong.returncode == 1 and "not a backup" in wrong.stderr


@pytest.mark.postgresql_only
def test_a_missing_pg_dump_is_named(settings: Settings, db: Database, tmp_path: Path) -> None:
    environment = {**os.environ, "PATH": str(tmp_path), "DAILYPAPERS_DATABASE_URL": str(settings.database_url)}
    command = [sys.executable, "-m", "dailypapers", "db", "backup", str(tmp_path / "x.backup")]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and "pg_dump is not installed" in result.stderr
