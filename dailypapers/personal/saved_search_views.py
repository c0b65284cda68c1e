"""Saving a search from /search, changing its threshold and deleting it (from /settings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from dailypapers.accounts.auth import CurrentUser
from dailypapers.personal import saved_searches
from dailypapers.web.deps import CsrfChecked, DatabaseDep
from dailypapers.web.forms import see_other
from dailypapers.web.params import IdPath

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=2000)]


@router.post("/searches", dependencies=[CsrfChecked])
def save(
    db: DatabaseDep,
    user: CurrentUser,
    q: Short,
    mode: Annotated[str, Form(max_length=20)] = "hybrid",
    filters: Short = "",
    name: Annotated[str, Form(max_length=400)] = "",
    threshold: Annotated[str, Form(max_length=20)] = str(saved_searches.DEFAULT_THRESHOLD),
) -> Response:
    with db.write() as session:
        # Refusals (a bad query, mode, filter or threshold; a duplicate name) are Refused: a 400 that says why.
        saved_searches.save_search(session, user, q, mode, filters, name, threshold)
    return see_other("/settings?saved_search=1#saved-searches")


@router.post("/searches/{saved_id}/threshold", dependencies=[CsrfChecked])
def set_threshold(
    db: DatabaseDep, user: CurrentUser, saved_id: IdPath, threshold: Annotated[str, Form(max_length=20)]
) -> Response:
    with db.write() as session:
        saved_searches.set_threshold(session, user, saved_id, threshold)
    return see_other("/settings#saved-searches")


@router.post("/searches/{saved_id}/delete", dependencies=[CsrfChecked])
def delete(db: DatabaseDep, user: CurrentUser, saved_id: IdPath) -> Response:
    with db.write() as session:
        saved_searches.delete_saved_search(session, user, saved_id)
    return see_other("/settings#saved-searches")
