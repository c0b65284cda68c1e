"""The personal feed end to end: signals → the refit job → /for-you, the API and the digest's "for you" section;
the fallbacks; library import; and that nothing is trained per request."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.accounts.models import User
from dailypapers.community import collections
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.digests import subscriptions
from dailypapers.digests.models import Frequency
from dailypapers.digests.outbox import compose, drain
from dailypapers.digests.schedule import covering
from dailypapers.email.smtp import SmtpSender
from dailypapers.jobs.scheduler import run_job
from dailypapers.papers.models import Paper
from dailypapers.personal.models import InterestModelRow
from dailypapers.personal.services import ModelPersonalizer
from dailypapers.votes.services import set_vote
from dailypapers.wiring import all_jobs
from tests.factories import api_token, form_token, load_corpus, log_in, make_user
from tests.smtp import SmtpSink

LIKED = ["2510.24668", "2510.24699", "2510.24697", "2510.24695", "2510.25726"]  # agents, Oct 29-30
DISLIKED = "2510.24701"


@pytest.fixture
def corpus(db: Database) -> Database:
    load_corpus(db)
    return db


def paper(db: Database, arxiv_id: str) -> Paper:
    with db.read() as session:
        return session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()


def give_signals(db: Database, user: User) -> None:
    with db.write() as session:
        for arxiv_id in LIKED[:3]:
            set_vote(session, user, session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one(), True)
        for arxiv_id in LIKED[3:]:
            collections.save(session, user, session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one())
        collections.dismiss(session, user, session.scalars(select(Paper).where(Paper.arxiv_id == DISLIKED)).one())


def refit(db: Database, settings: Settings) -> str:
    [job] = [j for j in all_jobs() if j.name == "personal"]
    result = run_job(job, db, settings)
    assert result.status == "ran", result.report
    return result.report


def test_fallbacks_then_the_learned_feed(app: FastAPI, corpus: Database, settings: Settings) -> None:
    user = make_user(corpus, "ada")
    with TestClient(app) as client:
        log_in(client, "ada")
        page = client.get("/for-you?period=week").text
        assert "Nothing to learn from yet" in page
        client.post("/for-you/categories", data={"categories": "cs.RO", "csrf_token": form_token(client, "/for-you")})
        page = client.get("/for-you?period=week").text
        assert "these are your categories (cs.RO)" in page
        give_signals(corpus, user)
        assert refit(corpus, settings) == "1 models fitted, 0 users without enough signals"
        assert refit(corpus, settings) == "all current"  # state-derived: nothing changed, nothing refitted
        page = client.get("/for-you?period=week").text
        assert "Ranked by what you upvoted, saved and marked" in page and "Because you liked" in page
        for arxiv_id in [*LIKED, DISLIKED]:  # what the user has seen is not recommended again
            assert f'<a href="/papers/{arxiv_id}">' not in page
        api = client.get("/api/for-you", params={"period": "week", "limit": 5},
                         headers={"Authorization": f"Bearer {api_token(corpus, user)}"}).json()  # fmt: skip
    assert api["mode"] == "model" and api["period"] == "2025-W44" and len(api["papers"]) == 5
    top = api["papers"][0]
    assert top["because"]["id"] in LIKED
    top_paper = paper(corpus, top["id"])
    assert "agent" in (top_paper.title + top_paper.abstract).lower()
    scores = [p["score"] for p in api["papers"]]
    assert scores == sorted(scores, reverse=True)


def test_new_signals_make_the_model_stale(corpus: Database, settings: Settings) -> None:
    user = make_user(corpus, "ada")
    give_signals(corpus, user)
    refit(corpus, settings)
    with corpus.read() as session:
        before = session.get(InterestModelRow, user.id)
    with corpus.write() as session:
        set_vote(session, user, session.scalars(select(Paper).where(Paper.arxiv_id == "2510.26298")).one(), True)
    assert refit(corpus, settings) == "1 models fitted, 0 users without enough signals"
    with corpus.read() as session:
        after = session.get(InterestModelRow, user.id)
    assert before is not None and after is not None and before.signals != after.signals and after.positives == 6


def test_too_few_signals_means_no_model(corpus: Database, settings: Settings) -> None:
    user = make_user(corpus, "ada")
    with corpus.write() as session:
        set_vote(session, user, session.scalars(select(Paper).where(Paper.arxiv_id == LIKED[0])).one(), True)
    assert refit(corpus, settings) == "all current"  # 1 positive: below the minimum, no model to fit
    with corpus.read() as session:
        assert session.get(InterestModelRow, user.id) is None


BIBTEX = """
@article{dao2024, title={Transformers are {SSMs}: Generalized Models}, eprint={2405.21060}, archivePrefix={arXiv}}
@misc{agentfold, title = "AgentFold", url = {https://arxiv.org/abs/2510.24699v2}}
@inproceedings{unknown, title={A Paper We Do Not Have At All}, doi={10.1145/0000000}}
"""
CSL = b'[{"title": "InteractComp: Evaluating Search Agents With Ambiguous Queries", "type": "article"},' \
      b' {"title": "x", "DOI": "10.48550/arXiv.2510.24697"}]'  # fmt: skip


def test_library_import(app: FastAPI, corpus: Database) -> None:
    make_user(corpus, "ada")
    with TestClient(app) as client:
        log_in(client, "ada")
        token = form_token(client, "/for-you")
        done = client.post(
            "/for-you/import", data={"csrf_token": token}, files={"file": ("zotero.bib", BIBTEX.encode())}
        )
        assert done.status_code == 200 and "3 entries read; <strong>2</strong> matched" in done.text
        assert "A Paper We Do Not Have At All" in done.text
        done = client.post("/for-you/import", data={"csrf_token": token}, files={"file": ("zotero.json", CSL)})
        assert "2 entries read; <strong>2</strong> matched" in done.text
        saved = client.get("/collections").text
        assert "Imported library" in saved and "4 papers" in saved
        bad = client.post("/for-you/import", data={"csrf_token": token}, files={"file": ("x.json", b"[{oops")})
        assert bad.status_code == 400 and "not valid CSL-JSON" in bad.text
        binary = client.post("/for-you/import", data={"csrf_token": token}, files={"file": ("x.bib", b"\xff\xfe\x00")})
        assert binary.status_code == 400 and "not UTF-8" in binary.text
        assert client.post("/for-you/import", files={"file": ("x.bib", BIBTEX.encode())}).status_code == 403


def test_for_you_needs_a_login(client: TestClient) -> None:
    assert client.get("/for-you", follow_redirects=False).headers["location"] == "/login?next=/for-you"
    assert client.get("/api/for-you").status_code == 401


def test_the_digest_has_a_for_you_section(mail_settings: Settings, corpus: Database, smtp_sink: SmtpSink) -> None:
    user = make_user(corpus, "ada")
    give_signals(corpus, user)
    refit(corpus, mail_settings)
    with corpus.write() as session:
        subscription = subscriptions.add(session, "ada@example.org", "daily", confirmed=True)
        subscription.user_id = user.id
    period = covering(Frequency.daily, dt.date(2025, 10, 31))
    compose(corpus, mail_settings, period, ModelPersonalizer(mail_settings))
    with SmtpSender(mail_settings) as sender:
        assert drain(corpus, mail_settings, sender).sent == 1
    text = smtp_sink.received[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.index("FOR YOU") < text.index("TRENDING")
