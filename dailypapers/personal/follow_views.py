"""Follow and unfollow (forms on /authors/{id} and /settings); each handler calls one service and goes back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import CurrentUser
from dailypapers.personal import follows
from dailypapers.web.deps import CsrfChecked, DatabaseDep
from dailypapers.web.forms import back_to
from dailypapers.web.params import IdPath

router = APIRouter(include_in_schema=False)
NextField = Annotated[str | None, Form(max_length=1000)]


@router.post("/follows/authors/{author_id}", dependencies=[CsrfChecked])
def follow_author(
    request: Request, db: DatabaseDep, user: CurrentUser, author_id: IdPath, next: NextField = None
) -> Response:
    with db.write() as session:
        follows.follow_author(session, user, author_id)  # a FollowRefused is a 404
    return back_to(request, next, f"/authors/{author_id}")


@router.post("/follows/users/{user_id}", dependencies=[CsrfChecked])
def follow_user(
    request: Request, db: DatabaseDep, user: CurrentUser, user_id: IdPath, next: NextField = None
) -> Response:
    with db.write() as session:
        follows.follow_user(session, user, user_id)
    return back_to(request, next, "/settings#follows")


@router.post("/follows/categories", dependencies=[CsrfChecked])
def follow_category(
    request: Request,
    db: DatabaseDep,
    user: CurrentUser,
    category: Annotated[str, Form(max_length=200)],
    next: NextField = None,
) -> Response:
    with db.write() as session:
        follows.follow_category(session, user, category.strip())  # a bad category is a 400
    return back_to(request, next, "/settings#follows")


@router.post("/follows/{follow_id}/delete", dependencies=[CsrfChecked])
def unfollow(
    request: Request, db: DatabaseDep, user: CurrentUser, follow_id: IdPath, next: NextField = None
) -> Response:
    with db.write() as session:
        follows.unfollow(session, user, follow_id)
    return back_to(request, next, "/settings#follows")
