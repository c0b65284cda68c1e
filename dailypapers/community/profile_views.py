"""User pages: what someone submitted, the papers they are a confirmed author of, and what they upvoted."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import OptionalUser
from dailypapers.community.profiles import user_profile
from dailypapers.web.deps import SessionDep
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/users/{username}")
def user_page(request: Request, username: str, session: SessionDep, viewer: OptionalUser) -> Response:
    profile = user_profile(session, username, viewer)
    if profile is None:
        raise HTTPException(404, f"No user {username}.")
    context = dict(vars(profile))  # shallow: the ORM objects themselves, not copies
    return render(request, "community/user.html", context)
