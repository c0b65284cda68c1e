"""Which papers an export holds: a collection's (newest saved first) or a listing's (the feed's own order)."""

from __future__ import annotations

from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dailypapers.accounts.models import User
from dailypapers.community import collections
from dailypapers.export.formats import FORMATS, MAX_EXPORT_PAPERS, Format, export
from dailypapers.papers import listings
from dailypapers.papers.listings import Sort
from dailypapers.papers.models import Paper
from dailypapers.papers.periods import Period


def collection_papers(session: Session, user: User, collection_id: int) -> tuple[str, list[Paper]]:
    """(the collection's name, its papers); CollectionRefused when it is not the user's."""
    collection = collections.own_collection(session, user, collection_id)
    papers = collections.papers_in(session, collection, with_authors=True)
    return collection.name, papers[:MAX_EXPORT_PAPERS]


def listing_papers(
    session: Session,
    period: Period | None,
    *,
    sort: Sort = Sort.upvotes,
    submitter: str | None = None,
    limit: int = MAX_EXPORT_PAPERS,
) -> list[Paper]:
    """The papers of a listing (a period, or every day when ``period`` is None) in its order."""
    conditions = listings.entry_filters(
        period.start if period else None, period.end if period else None, None, submitter, None
    )
    ids = listings.page_ids(session, conditions, sort, 0, min(limit, MAX_EXPORT_PAPERS))
    # The ORM's authors relationship: the citation formats name each author (export/formats.py).
    found = session.scalars(select(Paper).where(Paper.id.in_(ids)).options(selectinload(Paper.authors)))
    papers = {paper.id: paper for paper in found}
    return [papers[i] for i in ids if i in papers]


def download(papers: list[Paper], fmt: Format, stem: str) -> Response:
    """The export as a file download named ``stem`` plus the format's extension."""
    info = FORMATS[fmt]
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip("-") or "papers"
    return Response(
        export(papers, fmt),
        media_type=info.media_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}.{info.extension}"'},
    )
