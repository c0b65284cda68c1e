"""The submit form, and the curators' feature / hide buttons on a paper's feed entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from dailypapers.accounts.auth import CuratorUser, CurrentUser
from dailypapers.community import submissions
from dailypapers.community.deps import ArxivLookupDep
from dailypapers.papers.lookup import paper_or_404
from dailypapers.papers.models import DailyEntry
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SettingsDep
from dailypapers.web.forms import see_other
from dailypapers.web.ratelimit import limit
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/submit")
def submit_page(request: Request, _user: CurrentUser) -> Response:
    return render(request, "community/submit.html", {"value": ""})


@router.post("/submit", dependencies=[CsrfChecked])
def submit(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    user: CurrentUser,
    lookup: ArxivLookupDep,
    arxiv_id: Annotated[str, Form(max_length=500)],
) -> Response:
    limit(request, "submit", str(user.id))
    try:
        result = submissions.submit_by_id(db, lookup, settings, user, arxiv_id)
    except submissions.SubmissionRefused as exc:
        context = {"value": arxiv_id, "error": str(exc)}
        return render(request, "community/submit.html", context, status_code=400)
    except submissions.SourceUnavailable as exc:
        context = {"value": arxiv_id, "error": str(exc)}
        return render(request, "community/submit.html", context, status_code=502)
    return see_other(f"/papers/{result.paper.arxiv_id}?submitted={result.outcome.value}")


def _curate(db: DatabaseDep, arxiv_id: str, change: Callable[[DailyEntry], None]) -> Response:
    """Apply a curator's ``change`` to the paper's feed entry, in one transaction."""
    with db.write() as session:
        paper = paper_or_404(session, arxiv_id)
        entry = session.scalar(select(DailyEntry).where(DailyEntry.paper_id == paper.id))
        if entry is None:
            raise HTTPException(404, "This paper is not on the feed.")
        change(entry)
    return see_other(f"/papers/{paper.arxiv_id}")


@router.post("/papers/{arxiv_id:path}/feature", dependencies=[CsrfChecked])
def feature(arxiv_id: str, db: DatabaseDep, user: CuratorUser, featured: Annotated[bool, Form()] = True) -> Response:
    return _curate(db, arxiv_id, lambda entry: submissions.set_featured(user, entry, featured))


@router.post("/papers/{arxiv_id:path}/hide", dependencies=[CsrfChecked])
def hide(arxiv_id: str, db: DatabaseDep, user: CuratorUser, hidden: Annotated[bool, Form()] = True) -> Response:
    return _curate(db, arxiv_id, lambda entry: submissions.set_hidden(user, entry, hidden))
