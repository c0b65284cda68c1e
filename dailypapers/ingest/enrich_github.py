"""Enrichment step 3: GitHub stars of each linked repository, refreshed daily while the paper is recent and
weekly after, within GitHub's rate limit.

Each answer is stored in its own transaction together with the paper's new trending score (ranking owns the
formula), so a worker killed mid-run loses at most the request in flight. A rate-limited answer (or the one that
used the window's last request) stores the window's reset time in the job's state; until then the step asks
nothing. A renamed repository (GitHub's 301, followed) gets its new address; a deleted one (404) keeps the link
the paper gives but loses its star count, and is asked again on the same schedule (it may come back).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.ingest.enrich_state import claim_kind, claimed, enrichment_row, is_recent, load_state, save_state
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.jobs import claims
from dailypapers.papers.models import Paper
from dailypapers.ranking.score import rescore
from dailypapers.sources.github import GitHubRepos, RepoAnswer, RepoStatus, repo_path
from dailypapers.sources.http import RETRY_ATTEMPTS, SourceClient

RECENT_INTERVAL = dt.timedelta(days=1)
OLDER_INTERVAL = dt.timedelta(days=7)
RESUME_KEY = "github_resume_at"
# Never read first, then the longest unread; newest papers first among equals.
_ORDER = (PaperEnrichment.github_checked_at.is_(None).desc(), PaperEnrichment.github_checked_at, Paper.id.desc())


def stars_due(now: dt.datetime, recent_days: int) -> list[ColumnElement[bool]]:
    checked = PaperEnrichment.github_checked_at
    return [
        Paper.github_repo.is_not(None),
        or_(
            checked.is_(None),
            PaperEnrichment.github_repo.is_distinct_from(Paper.github_repo),
            and_(is_recent(now, recent_days), checked < now - RECENT_INTERVAL),
            checked < now - OLDER_INTERVAL,
        ),
    ]


def _due(
    db: Database, now: dt.datetime, settings: Settings, ids: list[int]
) -> list[tuple[int, str, str | None, str | None]]:
    """The claimed papers that are still due (a fresh look: another worker may have read their repository just
    before), in the order they are read."""
    with db.read() as session:
        query = (
            select(Paper.id, Paper.github_repo, PaperEnrichment.github_repo, PaperEnrichment.github_etag)
            .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
            .where(Paper.id.in_(ids), *stars_due(now, settings.enrich_recent_days))
            .order_by(*_ORDER)
        )
        # github_repo IS NOT NULL in the query: the repository is a str.
        return [(pid, repo or "", etag_repo, etag) for pid, repo, etag_repo, etag in session.execute(query)]


def repo_key(repo: str) -> str:
    """What makes two links one repository: GitHub's owner/name, case-insensitive (GitHub's own rule)."""
    return (repo_path(repo) or repo).lower()


def repo_claim_id(key: str) -> int:
    """A work-claim id for a repository: 31 bits of its hash (the claim ids are 32-bit integers). Two repositories
    sharing one only means that one waits for the other's claim."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") & 0x7FFFFFFF


def _sharing(session: Session, key: str, repo: str) -> list[Paper]:
    """Every paper that links the repository ``key`` (however it spells it), so one answer serves them all."""
    path = repo_path(repo)
    if path is None:
        return list(session.scalars(select(Paper).where(Paper.github_repo == repo)))
    # A substring match narrows it (no index serves this; a few ms at 100k papers, once per repository read).
    like = select(Paper).where(func.lower(Paper.github_repo).contains(path.lower(), autoescape=True))
    return [paper for paper in session.scalars(like) if paper.github_repo and repo_key(paper.github_repo) == key]


def _store(
    session: Session, key: str, repo: str, answer: RepoAnswer, now: dt.datetime, asked: int, sent_etag: str | None
) -> None:
    """Store one answer for every paper that links the repository; ``asked``: the paper whose ETag was sent."""
    papers = _sharing(session, key, repo)
    if not papers:  # deleted, or relinked meanwhile: the next run sees it
        return
    # Unchanged (304) confirms the stars stored with the ETag that was sent: the asked paper's.
    stars = (
        answer.stars
        if answer.status is RepoStatus.ok
        else next((p.github_stars for p in papers if p.id == asked), None)
    )
    # State rows first, newest paper first as the links step takes them: two transactions creating rows of the
    # same papers then wait for each other in one order, never in a cycle (a deadlock on PostgreSQL).
    papers.sort(key=lambda paper: paper.id, reverse=True)
    rows = {paper.id: enrichment_row(session, paper.id) for paper in papers}
    for paper in papers:
        row = rows[paper.id]
        row.github_checked_at = now
        if answer.status is RepoStatus.gone:
            paper.github_stars, paper.github_stars_at = None, None
            row.github_status, row.github_etag = "gone", None
        else:
            if answer.status is RepoStatus.ok:
                if answer.url and answer.url != paper.github_repo:
                    # Renamed or transferred (301), or only spelled in another case: GitHub's name is canonical.
                    paper.github_repo = answer.url
                row.github_status = "moved" if answer.moved else "ok"
            row.github_etag = answer.etag if answer.status is RepoStatus.ok else sent_etag
            paper.github_stars = stars
            # Unchanged (304) is a fresh reading too: star velocity is stars over the time to this reading.
            paper.github_stars_at = now
        row.github_repo = paper.github_repo
    rescore(session, [paper.id for paper in papers])


def refresh_stars(db: Database, settings: Settings, now: dt.datetime) -> str:
    resume_at = _resume_at(db)
    if resume_at is not None and now < resume_at:
        return f"GitHub rate limit: resuming after {resume_at:%Y-%m-%d %H:%M:%S} UTC"
    candidates = (
        select(Paper.id)
        .outerjoin(PaperEnrichment, PaperEnrichment.paper_id == Paper.id)
        .where(*stars_due(now, settings.enrich_recent_days))
        .order_by(*_ORDER)
    )
    counts = {status: 0 for status in RepoStatus}
    stopped = ""
    repo_kind = claim_kind("repo")
    claims.clear_stale(db, repo_kind)
    with claimed(db, settings, "stars", candidates, settings.enrich_batch_size) as holding:
        if not holding.ids:
            return "stars up to date"
        with db.read() as session:
            linked = session.execute(select(Paper.id, Paper.github_repo).where(Paper.id.in_(holding.ids))).all()
        # One worker reads a repository at a time, however many papers link it: a claim on the repository too.
        got = set(
            claims.claim_ids(
                db, repo_kind, [repo_claim_id(repo_key(r)) for _, r in linked if r], settings.work_lease_seconds
            )
        )
        repos = claims.Holding(db, repo_kind, sorted(got), settings.work_lease_seconds)
        try:
            groups: dict[str, list[tuple[int, str, str | None, str | None]]] = {}
            for item in _due(db, now, settings, holding.ids):  # after the repository claims: see repo_claim_id
                if repo_claim_id(repo_key(item[1])) in got:
                    groups.setdefault(repo_key(item[1]), []).append(item)
            with SourceClient(settings, min_interval_seconds=settings.github_delay_seconds) as client:
                github = GitHubRepos(settings.github_api_url, client, settings.github_token)
                for index, (key, due) in enumerate(groups.items()):
                    holding.keep()
                    repos.keep()
                    asked, repo, etag_repo, stored_etag = due[0]
                    etag = stored_etag if etag_repo == repo else None
                    path = repo_path(repo)
                    if path is None:  # a link that is not a GitHub repository (set by hand): nothing to count
                        answer = RepoAnswer(RepoStatus.gone)
                    else:
                        resume_at = _resume_at(db) if index else None  # another worker may have hit the limit
                        if resume_at is not None and now < resume_at:
                            stopped = f"; rate limit reached elsewhere, resuming after {resume_at:%H:%M:%S} UTC"
                            break
                        # One attempt for the first request: offline, that is one line in the log, not a retry each.
                        client.attempts = 1 if index == 0 else RETRY_ATTEMPTS
                        answer = github.fetch(path, etag, now=now)
                    if answer.status is RepoStatus.rate_limited:
                        save_state(db, **{RESUME_KEY: answer.resume_at.isoformat() if answer.resume_at else None})
                        stopped = f"; rate limited until {answer.resume_at:%H:%M:%S} UTC" if answer.resume_at else ""
                        break
                    with db.write() as session:
                        _store(session, key, repo, answer, now, asked, etag)
                        holding.done(session, [paper_id for paper_id, *_ in due])
                        repos.done(session, [repo_claim_id(key)])
                    counts[answer.status] += 1
                    if answer.resume_at is not None:  # that was the window's last request
                        save_state(db, **{RESUME_KEY: answer.resume_at.isoformat()})
                        stopped = f"; rate limit reached, resuming after {answer.resume_at:%H:%M:%S} UTC"
                        break
                else:
                    if resume_at is not None:  # the window that stopped an earlier run is over
                        save_state(db, **{RESUME_KEY: None})
        finally:
            repos.drop()
    done = sum(counts.values())
    return (
        f"stars of {done} repositories ({counts[RepoStatus.ok]} read, {counts[RepoStatus.unchanged]} unchanged, "
        f"{counts[RepoStatus.gone]} gone){stopped}"
    )


def _resume_at(db: Database) -> dt.datetime | None:
    resume_text = load_state(db).get(RESUME_KEY)
    return dt.datetime.fromisoformat(resume_text) if resume_text else None
