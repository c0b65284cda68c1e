"""Putting papers on the feed. Members submit recent papers within a daily cap; curators submit anything and
feature or hide entries. A second submission of a paper on the feed counts as the submitter's upvote.

Nobody needs a history on the site to submit (a first-time author can post their own paper); the caps are
settings (``DAILYPAPERS_SUBMISSION_MAX_AGE_DAYS``, ``_SUBMISSION_DAILY_LIMIT``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.errors import Refused
from dailypapers.ingest.upserts import upsert_papers
from dailypapers.papers.ids import InvalidArxivId, normalize_arxiv_id
from dailypapers.papers.models import DailyEntry, Origin, Paper
from dailypapers.ranking.score import rescore
from dailypapers.sources.base import PaperSource
from dailypapers.sources.http import SourceError
from dailypapers.votes.services import set_vote


class SubmissionRefused(ValueError, Refused):
    """A refusal whose message tells the submitter what rule applied."""


class SubmissionOutcome(StrEnum):
    submitted = "submitted"
    upvoted = "upvoted"  # it was on the feed already: the submission became an upvote
    already_upvoted = "already_upvoted"


@dataclass(frozen=True, slots=True)
class Submission:
    outcome: SubmissionOutcome
    paper: Paper
    entry: DailyEntry

    @property
    def message(self) -> str:
        if self.outcome is SubmissionOutcome.submitted:
            return "Thanks: the paper is on today's feed, with your upvote."
        if self.outcome is SubmissionOutcome.upvoted:
            return "This paper is on the feed already, so we counted your submission as an upvote."
        return "This paper is on the feed already, and you have upvoted it."


def submissions_today(session: Session, user: User, now: dt.datetime) -> int:
    start = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC)
    query = select(func.count()).where(DailyEntry.submitted_by_id == user.id, DailyEntry.submitted_at >= start)
    return session.scalar(query) or 0


def _check_rules(session: Session, settings: Settings, user: User, paper: Paper, now: dt.datetime) -> None:
    if user.is_curator:
        return
    max_age = dt.timedelta(days=settings.submission_max_age_days)
    if paper.published_at is not None and now - paper.published_at > max_age:
        age_days = (now - paper.published_at).days
        raise SubmissionRefused(
            f"Only papers whose first version is at most {settings.submission_max_age_days} days old can be "
            f"submitted; {paper.arxiv_id} appeared on {paper.published_at:%B} {paper.published_at.day}, "
            f"{paper.published_at.year} ({age_days} days ago). A curator can still add it."
        )
    if submissions_today(session, user, now) >= settings.submission_daily_limit:
        raise SubmissionRefused(
            f"You have submitted {settings.submission_daily_limit} papers today, the daily limit. "
            "Submit again tomorrow (UTC), or upvote papers already on the feed."
        )


def submit(
    session: Session, settings: Settings, user: User, paper: Paper, now: dt.datetime | None = None
) -> Submission:
    """Put ``paper`` (already stored) on today's feed for ``user``, or upvote it when it is there."""
    now = now or utcnow()
    entry = session.scalar(select(DailyEntry).where(DailyEntry.paper_id == paper.id))
    if entry is None:
        _check_rules(session, settings, user, paper, now)
        origin = Origin.curated if user.is_curator else Origin.submitted
        entry = DailyEntry(
            paper_id=paper.id, day=now.date(), submitted_at=now, submitted_by_id=user.id, origin=origin.value
        )
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            # Someone put it on the feed between our look and our insert: theirs stands.
            entry = session.scalars(select(DailyEntry).where(DailyEntry.paper_id == paper.id)).one()
        else:
            rescore(session, [paper.id])
            set_vote(session, user, paper, True)
            return Submission(SubmissionOutcome.submitted, paper, entry)
    if entry.hidden_at is not None and not user.is_curator:
        raise SubmissionRefused("A curator has taken this paper off the feed; it cannot be submitted again.")
    state = set_vote(session, user, paper, True)
    outcome = SubmissionOutcome.upvoted if state.changed else SubmissionOutcome.already_upvoted
    return Submission(outcome, paper, entry)


def set_featured(curator: User, entry: DailyEntry, featured: bool) -> None:
    _require_curator(curator)
    entry.featured = featured


def set_hidden(curator: User, entry: DailyEntry, hidden: bool) -> None:
    _require_curator(curator)
    entry.hidden_at = utcnow() if hidden else None


def _require_curator(user: User) -> None:
    if not user.is_curator:
        raise PermissionError("Only curators can do this.")


def submit_by_id(db: Database, source: PaperSource, settings: Settings, user: User, text: str) -> Submission:
    """Submit the paper an arXiv id or URL names, fetching it through ``source`` when we do not have it.
    The fetch happens outside any transaction; storing and submitting are one transaction."""
    try:
        arxiv_id = normalize_arxiv_id(text.strip())
    except InvalidArxivId as exc:
        raise SubmissionRefused(f"That is not an arXiv id or link ({exc}). Paste something like 2401.12345.") from exc
    with db.read() as session:
        known = session.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id)) is not None
    records = []
    if not known:
        try:
            records = source.fetch([arxiv_id])
        except SourceError as exc:
            raise SourceUnavailable(
                f"We could not look the paper up on arXiv just now: {exc}. Try again later."
            ) from exc
        if not records:
            raise SubmissionRefused(f"arXiv has no paper {arxiv_id}.")
    with db.write() as session:
        if records:
            upsert_papers(session, records)
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == arxiv_id)).one()
        return submit(session, settings, user, paper)


class SourceUnavailable(RuntimeError):
    """The ingestion source could not be reached; the message says so and suggests retrying."""
