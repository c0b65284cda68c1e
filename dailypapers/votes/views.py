"""The upvote button: a plain form (works without JavaScript) that htmx upgrades to swap itself in place."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import CurrentUser
from dailypapers.papers.lookup import paper_or_404
from dailypapers.votes import services
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SettingsDep
from dailypapers.web.forms import back_to, is_htmx
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)


@router.post("/papers/{arxiv_id:path}/vote", dependencies=[CsrfChecked])
def toggle(
    request: Request,
    arxiv_id: str,
    db: DatabaseDep,
    user: CurrentUser,
    settings: SettingsDep,
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    with db.write() as session:
        paper = paper_or_404(session, arxiv_id)
        state = services.toggle_vote(session, user, paper, feed_threshold=settings.feed_community_upvotes)
    if is_htmx(request):
        context = {"arxiv_id": paper.arxiv_id, "upvotes": state.upvotes, "voted": state.upvoted, "next_path": next}
        return render(request, "_vote.html", context)
    return back_to(request, next, f"/papers/{paper.arxiv_id}")
