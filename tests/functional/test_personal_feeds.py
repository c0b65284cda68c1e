"""Personal feeds (secret, signed, revocable URLs read by feedparser), follows and saved searches, through HTTP,
and the member's own digest sections."""

from __future__ import annotations

import datetime as dt
import re

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.accounts import services as accounts
from dailypapers.accounts.models import Role
from dailypapers.community import claims, collections
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.digests.compose import PeriodDigests
from dailypapers.digests.models import Frequency, OutboxMessage, Subscription
from dailypapers.digests.outbox import build_message, compose
from dailypapers.digests.schedule import covering
from dailypapers.papers.models import Author, Paper, PaperAuthor
from dailypapers.personal import feed_tokens, saved_searches
from dailypapers.personal.digest_sections import FollowsAndSearches
from dailypapers.personal.feed_tokens import FeedKind
from dailypapers.personal.models import Follow, SavedSearch
from dailypapers.signing import sign
from tests.factories import form_token, load_corpus, load_days, log_in, make_user, tampered

_FEED_URL = re.compile(r'value="https?://[^/"]+(/feeds/[^"]+\.atom)"')
DAY = dt.date(2025, 10, 29)


def feed_urls(client: TestClient) -> list[str]:
    page = client.get("/settings")
    assert page.status_code == 200
    return _FEED_URL.findall(page.text)


def read(client: TestClient, path: str) -> feedparser.FeedParserDict:
    """The feed as a reader gets it: from a client of its own, with no cookies (readers send none)."""
    response = TestClient(client.app).get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.headers["cache-control"].startswith("private")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def arxiv_ids(parsed: feedparser.FeedParserDict) -> list[str]:
    return [entry.link.rsplit("/papers/", 1)[1] for entry in parsed.entries]


def user_id(db: Database, username: str) -> int:
    with db.read() as session:
        user = accounts.user_by_username(session, username)
        assert user is not None
        return user.id


def test_a_reader_subscribes_and_rotating_stops_every_old_url(db: Database, client: TestClient) -> None:
    load_days(db)
    make_user(db, "ada")
    with db.write() as session:
        ada = accounts.user_by_username(session, "ada")
        assert ada is not None
        saved = session.scalars(select(Paper).order_by(Paper.arxiv_id).limit(3)).all()
        for paper in saved:
            collections.save(session, ada, paper)
        expected = sorted(p.arxiv_id for p in saved)
    log_in(client, "ada")
    urls = feed_urls(client)
    assert len(urls) == 3  # for you, what you follow, the reading list
    for_you, following, reading_list = urls
    assert sorted(arxiv_ids(read(client, reading_list))) == expected
    assert len(read(client, for_you).entries) > 0  # trending, until ada has signals
    assert read(client, following).entries == []  # follows nothing yet
    client.cookies.clear()
    assert sorted(arxiv_ids(read(client, reading_list))) == expected  # without a login too
    log_in(client, "ada")
    response = client.post("/settings/feeds/rotate", data={"csrf_token": form_token(client)}, follow_redirects=False)
    assert response.status_code == 303
    fresh = feed_urls(client)
    assert set(fresh).isdisjoint(urls)
    gone = client.get(urls[0])
    for old in urls:
        response = client.get(old)
        assert response.status_code == 404
        assert response.content == gone.content
    assert sorted(arxiv_ids(read(client, fresh[2]))) == expected


def test_a_wrong_token_gives_the_same_404_and_leaks_nothing(
    db: Database, client: TestClient, settings: Settings
) -> None:
    load_days(db)
    make_user(db, "ada")
    make_user(db, "bob")
    with db.write() as session:
        bob = accounts.user_by_username(session, "bob")
        assert bob is not None
        bobs = collections.default_collection(session, bob)
        collections.save(session, bob, session.scalars(select(Paper).limit(1)).one())
        bobs_id = bobs.id
    ada = user_id(db, "ada")
    good = feed_tokens.feed_token(settings, ada, 1, FeedKind.for_you)
    wrong = [
        "garbage",
        tampered(good),  # tampered signature
        feed_tokens.feed_token(settings, ada, 2, FeedKind.for_you),  # a version not issued yet
        feed_tokens.feed_token(settings, ada, 1, FeedKind.collection, bobs_id),  # someone else's collection
        feed_tokens.feed_token(settings, ada, 1, FeedKind.saved_search, 999),  # no such saved search
        feed_tokens.feed_token(settings, 999, 1, FeedKind.for_you),  # no such member
        sign(settings.secret_key, "digest-manage", {"u": ada, "v": 1, "k": "for-you"}),  # another purpose
        sign("another site's secret key, 32 characters or more", "personal-feed", {"u": ada, "v": 1, "k": "for-you"}),
        "x" * 5000,
    ]
    assert client.get(f"/feeds/{good}.atom").status_code == 200
    bodies = set()
    for token in wrong:
        response = client.get(f"/feeds/{token}.atom")
        assert response.status_code == 404, token
        bodies.add(response.content)
        assert "bob" not in response.text and "Reading list" not in response.text
    assert len(bodies) == 1
    assert "There is no feed at this address." in next(iter(bodies)).decode()


def make_recent(db: Database, arxiv_ids: list[str], when: dt.datetime) -> None:
    with db.write() as session:
        for paper in session.scalars(select(Paper).where(Paper.arxiv_id.in_(arxiv_ids))):
            paper.published_at = when


def first_author(db: Database, arxiv_id: str) -> tuple[int, str]:
    with db.read() as session:
        author = session.execute(
            select(Author.id, Author.name)
            .join(PaperAuthor, PaperAuthor.author_id == Author.id)
            .join(Paper, Paper.id == PaperAuthor.paper_id)
            .where(Paper.arxiv_id == arxiv_id, PaperAuthor.position == 0)
        ).one()
        return author.id, author.name


def papers_by(db: Database, author_id: int) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(Paper.arxiv_id).join(PaperAuthor).where(PaperAuthor.author_id == author_id)))


def test_following_an_author_from_the_author_page(db: Database, client: TestClient) -> None:
    load_days(db)
    make_user(db, "ada")
    with db.read() as session:
        arxiv_id = session.scalars(select(Paper.arxiv_id).order_by(Paper.arxiv_id).limit(1)).one()
    author_id, _ = first_author(db, arxiv_id)
    theirs = papers_by(db, author_id)
    make_recent(db, sorted(theirs), utcnow() - dt.timedelta(days=2))
    anonymous = client.get(f"/authors/{author_id}").text
    assert "Log in</a> to follow" in anonymous
    log_in(client, "ada")
    page = client.get(f"/authors/{author_id}").text
    assert "Follow this author" in page
    token = form_token(client, f"/authors/{author_id}")
    response = client.post(
        f"/follows/authors/{author_id}",
        data={"csrf_token": token, "next": f"/authors/{author_id}"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == f"/authors/{author_id}"
    assert "Following ✓" in client.get(f"/authors/{author_id}").text
    # Twice is once (a unique constraint, not a check).
    client.post(f"/follows/authors/{author_id}", data={"csrf_token": token})
    with db.read() as session:
        assert len(session.scalars(select(Follow)).all()) == 1
    for_you = client.get("/for-you").text
    section = for_you.split("From authors you follow", 1)[1].split("</section>", 1)[0]
    assert all(f"/papers/{i}" in section for i in theirs)
    following = next(u for u in feed_urls(client) if u)
    assert set(arxiv_ids(read(client, feed_urls(client)[1]))) == theirs
    assert following
    # A bad category and an unknown author are refused with a status that says so.
    assert client.post("/follows/categories", data={"csrf_token": token, "category": "cs..x"}).status_code == 400
    assert client.post("/follows/authors/999999", data={"csrf_token": token}).status_code == 404
    assert client.post("/follows/categories", data={"csrf_token": token, "category": "cs.RO"}).status_code == 200
    assert 'Category <a href="/papers/new?category=cs.RO">cs.RO</a>' in client.get("/settings").text


def approved_claim(db: Database, username: str, arxiv_id: str) -> int:
    """``username`` claims to be the first author of ``arxiv_id`` and the curator carol approves; their id."""
    with db.write() as session:
        claimant = accounts.user_by_username(session, username)
        carol = accounts.user_by_username(session, "carol")
        assert claimant is not None and carol is not None
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
        claim = claims.file_claim(session, claimant, paper, 0)
        session.flush()
        claims.decide(session, carol, claim.id, True)
        return claimant.id


def test_following_the_confirmed_user_of_an_approved_claim(db: Database, client: TestClient) -> None:
    load_days(db)
    make_user(db, "ada")
    make_user(db, "grace")
    make_user(db, "carol", role=Role.curator)
    with db.read() as session:
        two = session.scalars(select(Paper.arxiv_id).order_by(Paper.arxiv_id).limit(2)).all()
    (first_id, _), (second_id, _) = first_author(db, two[0]), first_author(db, two[1])
    grace_id = approved_claim(db, "grace", two[0])
    log_in(client, "ada")
    page = client.get(f"/authors/{first_id}").text
    assert "(all their author names)" in page
    token = form_token(client, f"/authors/{first_id}")
    assert (
        client.post(f"/follows/users/{grace_id}", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    )
    # Someone without an approved claim is no author to follow.
    assert client.post(f"/follows/users/{user_id(db, 'carol')}", data={"csrf_token": token}).status_code == 404
    followed = papers_by(db, first_id)
    assert set(arxiv_ids(read(client, feed_urls(client)[1]))) == followed
    # A second author entity grace claims later is followed too, without a new follow.
    approved_claim(db, "grace", two[1])
    assert set(arxiv_ids(read(client, feed_urls(client)[1]))) == followed | papers_by(db, second_id)


@pytest.fixture
def corpus(db: Database) -> Database:
    load_corpus(db)
    return db


def test_saved_search_alerts_follow_the_members_threshold(corpus: Database, client: TestClient) -> None:
    db = corpus
    make_user(db, "ada")
    log_in(client, "ada")
    page = client.get("/search", params={"q": "robot manipulation", "mode": "semantic", "has_code": "true"}).text
    assert 'action="/searches"' in page and 'name="filters" value="has_code=true"' in page
    token = form_token(client, "/search?q=robot")
    response = client.post(
        "/searches",
        data={
            "csrf_token": token,
            "q": "robot manipulation",
            "mode": "semantic",
            "filters": "has_code=true",
            "threshold": "0.3",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    with db.read() as session:
        saved = session.scalars(select(SavedSearch)).one()
        coded = set(session.scalars(select(Paper.arxiv_id).where(Paper.github_repo.is_not(None))))
        all_ids = list(session.scalars(select(Paper.arxiv_id)))
    make_recent(db, all_ids, utcnow() - dt.timedelta(days=1))
    settings_page = client.get("/settings").text
    assert f'id="threshold-{saved.id}"' in settings_page and 'value="0.3"' in settings_page
    feed = feed_urls(client)[-1]
    matched = arxiv_ids(read(client, feed))
    assert matched and set(matched) <= coded
    # Stricter: fewer (a threshold of 1 keeps nothing a different text could reach).
    client.post(f"/searches/{saved.id}/threshold", data={"csrf_token": token, "threshold": "0.5"})
    stricter = arxiv_ids(read(client, feed))
    assert set(stricter) < set(matched)
    client.post(f"/searches/{saved.id}/threshold", data={"csrf_token": token, "threshold": "1"})
    assert arxiv_ids(read(client, feed)) == []
    bad = client.post(f"/searches/{saved.id}/threshold", data={"csrf_token": token, "threshold": "2"})
    assert bad.status_code == 400 and "threshold" in bad.text
    for data in (
        {"q": "", "mode": "hybrid"},
        {"q": "x", "mode": "fuzzy"},
        {"q": "x", "mode": "hybrid", "filters": "min_upvotes=a"},
    ):
        assert client.post("/searches", data={"csrf_token": token, **data}).status_code == 400, data
    # Someone else's saved search is no one's.
    make_user(db, "bob")
    log_in(client, "bob")
    bob_token = form_token(client)
    assert (
        client.post(f"/searches/{saved.id}/threshold", data={"csrf_token": bob_token, "threshold": "0.1"}).status_code
        == 404
    )


def test_digests_carry_followed_authors_and_saved_searches(corpus: Database, settings: Settings) -> None:
    db = corpus
    make_user(db, "ada")
    with db.read() as session:
        day_ids = list(session.scalars(select(Paper.arxiv_id).order_by(Paper.arxiv_id)))
    arxiv_id = day_ids[0]
    author_id, _ = first_author(db, arxiv_id)
    in_period = dt.datetime.combine(DAY, dt.time(12), tzinfo=dt.UTC)
    make_recent(db, day_ids, in_period - dt.timedelta(days=40))  # everything old ...
    make_recent(db, sorted(papers_by(db, author_id)), in_period)  # ... but the followed author's papers
    searched = next(i for i in day_ids if i not in papers_by(db, author_id))
    make_recent(db, [searched], in_period)  # ... and one the saved search finds
    with db.write() as session:
        ada = accounts.user_by_username(session, "ada")
        assert ada is not None
        session.add(Follow(follower_id=ada.id, author_id=author_id))
        title = session.scalars(select(Paper.title).where(Paper.arxiv_id == searched)).one()
        saved_searches.save_search(session, ada, title, "keyword")
        session.add(
            Subscription(
                email="ada@example.org",
                frequency=Frequency.daily.value,
                status="active",
                user_id=ada.id,
                confirmed_at=utcnow(),
            )
        )
    period = covering(Frequency.daily, DAY)
    compose(db, settings, period, member_sections=FollowsAndSearches(settings))
    with db.read() as session:
        row = session.scalars(select(OutboxMessage)).one()
        subscription = session.scalars(select(Subscription)).one()
        sections = row.section_ids()
        headings = [heading for heading, _ in sections]
        assert headings == ["From authors you follow", "Saved searches"]
        followed = set(session.scalars(select(Paper.arxiv_id).where(Paper.id.in_(sections[0][1]))))
        assert followed == papers_by(db, author_id)
        # Only papers of the period: the keyword search finds older papers too, but they are not new.
        found = list(session.scalars(select(Paper.arxiv_id).where(Paper.id.in_(sections[1][1]))))
        assert found == [searched]
        assert not set(row.paper_ids) & set(sections[0][1])  # no paper twice in one digest
        digests = PeriodDigests.load(session, settings, period)
        digests.ensure(session, [i for _, ids in sections for i in ids])
        text = build_message(settings, digests, row, subscription).get_body(("plain",)).get_content()
    assert "FROM AUTHORS YOU FOLLOW" in text and "SAVED SEARCHES" in text and "TRENDING" in text
    assert f"/papers/{searched}" in text.split("SAVED SEARCHES", 1)[1].split("TRENDING", 1)[0]
    assert f"/papers/{arxiv_id}" in text.split("TRENDING", 1)[0]
