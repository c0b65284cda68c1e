"""One meaning of "paper in category C" for search filters, "for you" and digests (papers/categories.py).

"for you" used ``LIKE '%cs%'``, which put ``physics.comp-ph`` papers in a member's ``cs`` feed; search took only
exact categories, so ``category=cs`` found nothing; digests allowed archives. Now all three agree.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from dailypapers.db import Database
from dailypapers.digests.compose import DigestPaper, Filters
from dailypapers.digests.models import Subscription
from dailypapers.papers.models import DailyEntry, Paper
from tests.factories import form_token, load_days, log_in, make_user

CATEGORIES = {"cs.CL": "cs.CL stat.ML", "physics.comp-ph": "physics.comp-ph", "cs.C": "cs.CV", "other": "math.CO"}


def _label(db: Database) -> dict[str, str]:
    """Give four papers of the latest feed day known categories; every other paper gets ``math.CO``."""
    with db.write() as session:
        day = session.scalar(select(DailyEntry.day).order_by(DailyEntry.day.desc()).limit(1))
        ids = list(
            session.scalars(
                select(Paper.arxiv_id).join(DailyEntry).where(DailyEntry.day == day).order_by(Paper.arxiv_id)
            )
        )[:4]
        session.execute(update(Paper).values(categories="math.CO"))
        labelled = dict(zip(CATEGORIES, ids, strict=True))
        for label, arxiv_id in labelled.items():
            session.execute(update(Paper).where(Paper.arxiv_id == arxiv_id).values(categories=CATEGORIES[label]))
    return labelled


def _in_search(client: TestClient, db: Database, arxiv_id: str, category: str) -> bool:
    """Whether a keyword search for the paper's own title, filtered by ``category``, finds it."""
    with db.read() as session:
        title = session.scalars(select(Paper.title).where(Paper.arxiv_id == arxiv_id)).one()
    params = {"q": title, "category": category, "mode": "keyword", "limit": 100}
    response = client.get("/api/papers/search", params=params)
    assert response.status_code == 200, response.text
    return arxiv_id in {p["id"] for p in response.json()}


def test_search_for_you_and_digests_agree_on_archives(app: FastAPI, db: Database) -> None:
    load_days(db)
    labelled = _label(db)
    make_user(db, "ada")
    in_cs = {labelled["cs.CL"], labelled["cs.C"]}
    with TestClient(app) as client:
        assert {a for a in labelled.values() if _in_search(client, db, a, "cs")} == in_cs
        log_in(client, "ada")
        client.post("/for-you/categories", data={"categories": "cs", "csrf_token": form_token(client, "/for-you")})
        page = client.get("/for-you").text
    assert "these are your categories (cs)" in page
    for arxiv_id in in_cs:
        assert f'href="/papers/{arxiv_id}"' in page
    assert f'href="/papers/{labelled["physics.comp-ph"]}"' not in page  # LIKE '%cs%' matched "physics"
    assert f'href="/papers/{labelled["other"]}"' not in page

    with db.read() as session:
        papers = {a: frozenset(c.split()) for a, c in session.execute(select(Paper.arxiv_id, Paper.categories))}
    filters = Filters.of(Subscription(email="ada@example.org", categories="cs", keywords=""))
    assert {a for a, cats in papers.items() if filters.match(DigestPaper(0, cats, "", "", ""))} == in_cs


def test_a_full_category_never_matches_a_longer_one(app: FastAPI, db: Database) -> None:
    load_days(db)
    labelled = _label(db)
    with TestClient(app) as client:
        for category, expected in [("cs.C", set()), ("cs.CV", {labelled["cs.C"]}), ("stat", {labelled["cs.CL"]})]:
            assert {a for a in labelled.values() if _in_search(client, db, a, category)} == expected
