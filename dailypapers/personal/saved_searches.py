"""Saved searches as alerts: a member saves any search (text, mode, filters) from /search; new papers that match
go to the "Saved searches" section of their digest and to the search's own feed.

What "matches" means, per mode (the threshold is the member's, shown and changed on /settings):
- keyword: the keyword index matches the text (BM25, the words of /search's keyword mode);
- semantic: the paper's embedding is at least ``threshold`` cosine-similar to the text's;
- hybrid: either of the two.
Only papers that pass the search's filters (papers/filters.py) and were published in the window count. Papers
without a vector yet are matched by keyword only, and by meaning once the embedding job reaches them.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.errors import Refused
from dailypapers.papers.filters import condition, parse_query_string
from dailypapers.papers.models import Paper
from dailypapers.personal.models import SavedSearch
from dailypapers.search.embedder import get_embedder
from dailypapers.search.keyword import backend_for_dialect
from dailypapers.search.query import Filters, parse_query
from dailypapers.search.services import Mode
from dailypapers.search.vectors.format import configured_model
from dailypapers.search.vectors.store import vectors_for

DEFAULT_THRESHOLD = 0.45  # MiniLM cosine: ~0.45 is "about the same topic" on our arXiv abstracts
MAX_SAVED_SEARCHES = 50
MAX_NAME_CHARS = 200
# The newest papers of the window a search is matched against: a day of all of arXiv is ~1,500 papers.
MAX_CANDIDATES = 5000


class SavedSearchRefused(Refused):
    pass


class NoSuchSavedSearch(SavedSearchRefused):
    status_code = 404


def _threshold(value: float | str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SavedSearchRefused("threshold: a number from 0 to 1, e.g. 0.45") from None
    if not 0.0 <= number <= 1.0:
        raise SavedSearchRefused("threshold: a number from 0 to 1, e.g. 0.45")
    return round(number, 3)


def save_search(
    session: Session,
    user: User,
    q: str,
    mode: str,
    filters: str = "",
    name: str = "",
    threshold: float | str = DEFAULT_THRESHOLD,
) -> SavedSearch:
    """Store a search as an alert (in the caller's transaction); the text and filters are validated the way
    /search validates them, so a saved search always runs."""
    parsed = parse_query(q)  # an InvalidQuery is a Refused: a 400
    try:
        chosen_mode = Mode(mode)
    except ValueError:
        raise SavedSearchRefused("mode: keyword, semantic or hybrid") from None
    canonical = parse_query_string(parse_qsl(filters.lstrip("?"), keep_blank_values=True)).query_string()
    label = " ".join((name or parsed.text).split())[:MAX_NAME_CHARS]
    count = session.scalar(select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id))
    if (count or 0) >= MAX_SAVED_SEARCHES:
        raise SavedSearchRefused(f"You have {MAX_SAVED_SEARCHES} saved searches; delete one first.")
    taken = session.scalar(select(SavedSearch.id).where(SavedSearch.user_id == user.id, SavedSearch.name == label))
    if taken is not None:
        raise SavedSearchRefused(f"You already have a saved search named “{label}”.")
    saved = SavedSearch(
        user_id=user.id,
        name=label,
        q=parsed.text,
        mode=chosen_mode.value,
        filters=canonical,
        threshold=_threshold(threshold),
    )
    session.add(saved)
    session.flush()
    return saved


def saved_searches_of(session: Session, user_id: int) -> list[SavedSearch]:
    query = select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.created_at, SavedSearch.id)
    return list(session.scalars(query))


def own_saved_search(session: Session, user: User, saved_id: int) -> SavedSearch:
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise NoSuchSavedSearch("No such saved search.")
    return saved


def set_threshold(session: Session, user: User, saved_id: int, threshold: float | str) -> SavedSearch:
    saved = own_saved_search(session, user, saved_id)
    saved.threshold = _threshold(threshold)
    return saved


def delete_saved_search(session: Session, user: User, saved_id: int) -> None:
    session.execute(delete(SavedSearch).where(SavedSearch.id == saved_id, SavedSearch.user_id == user.id))


def matches(
    session: Session,
    settings: Settings,
    saved: SavedSearch,
    since: dt.datetime,
    until: dt.datetime | None = None,
    limit: int = 50,
) -> list[int]:
    """Paper ids published in [since, until) that match ``saved`` (see the module), best first."""
    paper_filters = parse_query_string(parse_qsl(saved.filters))
    window = [Paper.published_at >= since, condition(paper_filters)]
    if until is not None:
        window.append(Paper.published_at < until)
    candidates = list(
        session.scalars(select(Paper.id).where(*window).order_by(Paper.published_at.desc()).limit(MAX_CANDIDATES))
    )
    if not candidates:
        return []
    allowed = set(candidates)
    mode = Mode(saved.mode)
    query = parse_query(saved.q, Filters(published_from=since.date(), paper=paper_filters))
    found: dict[int, float] = {}
    if mode is not Mode.semantic:
        keyword = backend_for_dialect(session.get_bind().dialect.name)
        for rank, (paper_id, _) in enumerate(keyword.search(session, query, MAX_CANDIDATES), start=1):
            if paper_id in allowed:
                found.setdefault(paper_id, 1.0 / rank)
    if mode is not Mode.keyword:
        vectors = vectors_for(session, configured_model(settings), candidates)
        if vectors:
            ids = list(vectors)
            scores = np.stack([vectors[i] for i in ids]) @ get_embedder(settings).embed([query.text])[0]
            for paper_id, score in zip(ids, scores.tolist(), strict=True):
                if score >= saved.threshold:
                    found[paper_id] = max(found.get(paper_id, 0.0), float(score))
    return [paper_id for paper_id, _ in sorted(found.items(), key=lambda item: (-item[1], -item[0]))][:limit]
