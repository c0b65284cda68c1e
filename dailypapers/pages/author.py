"""``/authors/{id}``: an author entity's papers, its confirmed users (approved claims), and follow buttons. The
page spans features (profiles are community's, follows personal's), so it is composed here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import OptionalUser
from dailypapers.community.profiles import AUTHOR_PAGE_SIZE, author_profile
from dailypapers.personal.follows import follow_id_of
from dailypapers.web.deps import SessionDep
from dailypapers.web.params import IdPath
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/authors/{author_id}")
def author_page(
    request: Request,
    author_id: IdPath,
    session: SessionDep,
    viewer: OptionalUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    profile = author_profile(session, author_id, page)
    if profile is None:
        raise HTTPException(404, "No such author.")
    context = {
        **vars(profile),
        "page": page,
        "page_size": AUTHOR_PAGE_SIZE,
        "follow_id": follow_id_of(session, viewer, author_id=author_id),
        "user_follow_ids": {u.id: follow_id_of(session, viewer, user_id=u.id) for u in profile.claimed_by},
    }
    return render(request, "community/author.html", context)
