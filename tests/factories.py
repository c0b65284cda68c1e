"""Test data: the recorded Hugging Face day files, imported through the real import path."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.accounts import services
from dailypapers.accounts.models import Role, User
from dailypapers.accounts.passwords import hash_password
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.ingest.files import import_daily_items, import_paper_batch
from dailypapers.ingest.outcomes import ImportSummary
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import get_embedder, paper_text
from dailypapers.search.models import PaperVector
from dailypapers.search.vectors.format import to_blob
from dailypapers.sources.arxiv_kaggle import iter_records
from dailypapers.sources.huggingface import DailyItem, read_day_file
from tests.conftest import FIXTURES, HF_DAYS

KAGGLE = FIXTURES / "kaggle" / "snapshot-head50.jsonl"


def load_days(db: Database, *paths: Path) -> ImportSummary:
    summary = ImportSummary()
    for path in paths or sorted(HF_DAYS.glob("*.json")):
        summary.count(import_daily_items(db, read_day_file(path)))
    return summary


# The Hugging Face day files carry no arXiv categories (a harvest adds them): ``load_days_with_categories``
# gives the papers these, in turn by arXiv id, primary category first as arXiv lists them.
CATEGORIES = ["cs.CV cs.AI", "cs.CL", "cs.RO cs.LG", "stat.ML cs.LG", "math.OC", "cs.CL cs.AI", "physics.comp-ph"]


def load_days_with_categories(db: Database) -> None:
    load_days(db)
    with db.write() as session:
        for i, paper in enumerate(session.scalars(select(Paper).order_by(Paper.arxiv_id))):
            paper.categories = CATEGORIES[i % len(CATEGORIES)]
            paper.primary_category = paper.categories.split()[0]


def import_items(db: Database, items: list[DailyItem]) -> ImportSummary:
    summary = ImportSummary()
    summary.count(import_daily_items(db, items))
    return summary


PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def make_user(
    db: Database,
    username: str = "ada",
    *,
    role: Role = Role.member,
    password: str = PASSWORD,
    fullname: str = "",
    confirmed: bool = True,
) -> User:
    """A user made through the real sign-up service, confirmed unless asked otherwise."""
    with db.write() as session:
        user = services.sign_up(session, username, f"{username.lower()}@example.org", password, fullname).user
        user.role = role.value
        if confirmed:
            user.email_verified_at = utcnow()
    return user


def make_users(db: Database, prefix: str, count: int) -> list[User]:
    """Many confirmed members sharing one password hash (argon2 costs ~0.1 s a hash, by design)."""
    shared_hash = hash_password(PASSWORD)
    with db.write() as session:
        users = [
            User(
                username=f"{prefix}{i:03d}",
                email=f"{prefix}{i:03d}@example.org",
                password_hash=shared_hash,
                email_verified_at=utcnow(),
            )
            for i in range(count)
        ]
        session.add_all(users)
    return users


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"login": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def form_token(client: TestClient, path: str = "/settings") -> str:
    """The CSRF token of the logged-in client (every page with a form carries it)."""
    return csrf_from(client.get(path).text)


def api_token(db: Database, user: User, name: str = "tests") -> str:
    with db.write() as session:
        return services.create_api_token(session, user, name)


@cache
def _vectors(model_id: str, texts: tuple[tuple[str, str], ...]) -> dict[str, bytes]:
    """Embeddings of the fixture papers, computed once per session (the model runs at ~25 papers/s)."""
    embedder = get_embedder(Settings())
    matrix = embedder.embed([text for _, text in texts])
    return {arxiv_id: to_blob(v) for (arxiv_id, _), v in zip(texts, matrix, strict=True)}


def load_corpus(db: Database, *, vectors: bool = True) -> None:
    """The HF fixture days and the Kaggle snapshot head, with MiniLM vectors unless ``vectors=False``."""
    load_days(db)
    records = [(f"line {n}", r) for n, r in iter_records(KAGGLE)]
    import_paper_batch(db, records, ImportSummary())  # type: ignore[arg-type]
    if not vectors:
        return
    embedder = get_embedder(Settings())
    with db.read() as session:
        papers = session.execute(
            select(Paper.id, Paper.arxiv_id, Paper.title, Paper.abstract).order_by(Paper.arxiv_id)
        ).all()
    cached = _vectors(embedder.model_id, tuple((a, paper_text(t, ab)) for _, a, t, ab in papers))
    with db.write() as session:
        session.add_all(
            PaperVector(paper_id=pid, model=embedder.model_id, dim=embedder.dim, vector=cached[aid])
            for pid, aid, _, _ in papers
        )


def tampered(token: str) -> str:
    """``token`` with one character of its signature changed, never to itself. Not the last character: base64's
    final one carries padding bits, so some replacements there decode to the same signature."""
    position = len(token) - 5
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]
