"""Authorship: claiming an author entry and the curators' queue (author pages: pages/author.py)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import CuratorUser, CurrentUser
from dailypapers.community import claims
from dailypapers.papers.lookup import paper_or_404
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SessionDep
from dailypapers.web.forms import see_other
from dailypapers.web.params import IdPath, PositionForm
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)


@router.post("/papers/{arxiv_id:path}/claim", dependencies=[CsrfChecked])
def claim(arxiv_id: str, db: DatabaseDep, user: CurrentUser, position: PositionForm) -> Response:
    with db.write() as session:
        paper = paper_or_404(session, arxiv_id)
        claims.file_claim(session, user, paper, position)
    return see_other(f"/users/{user.username}?claimed=1")


@router.get("/curate")
def curate(request: Request, session: SessionDep, _curator: CuratorUser) -> Response:
    return render(request, "community/curate.html", {"claims": claims.pending_claims(session)})


@router.post("/claims/{claim_id}/{decision}", dependencies=[CsrfChecked])
def decide(claim_id: IdPath, decision: str, db: DatabaseDep, user: CuratorUser) -> Response:
    if decision not in ("approve", "deny"):
        raise HTTPException(404, "Claims are approved or denied.")
    try:
        with db.write() as session:
            claims.decide(session, user, claim_id, decision == "approve")
    except claims.ClaimRefused as exc:
        raise HTTPException(404, str(exc)) from exc
    return see_other("/curate")
