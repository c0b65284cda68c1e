"""The account page, /settings: it spans features (the account's API tokens and profile, its digest), so it is
composed here rather than in ``accounts``, which no feature may depend on."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from dailypapers.accounts import services
from dailypapers.accounts.auth import CurrentUser
from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.digests import subscriptions
from dailypapers.pages.personal_feeds import settings_section
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SettingsDep
from dailypapers.web.forms import see_other
from dailypapers.web.params import IdPath
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=400)]


def _digest_link(db: Database, settings: Settings, email: str | None) -> str:
    """The account's way to its digest: the preferences page when the address subscribed, else the form."""
    with db.read() as session:
        subscription = subscriptions.by_email(session, email) if email else None
    if subscription is None:
        return "/subscribe"
    return f"/subscriptions/manage?token={quote(subscriptions.manage_token(settings, subscription))}"


def _page(
    request: Request, db: Database, settings: Settings, user: User, status_code: int = 200, **extra: Any
) -> Response:
    with db.read() as session:
        tokens = services.api_tokens(session, user)
        # Personal feeds, saved searches and follows (pages/personal_feeds.py).
        sections = [settings_section(session, settings, user)]
    context = {
        "tokens": tokens,
        "new_token": None,
        "digest_link": _digest_link(db, settings, user.email),
        "sections": sections,
        **extra,
    }
    return render(request, "accounts/settings.html", context, status_code)


@router.get("/settings")
def settings_page(request: Request, db: DatabaseDep, settings: SettingsDep, user: CurrentUser) -> Response:
    return _page(request, db, settings, user)


@router.post("/settings/tokens", dependencies=[CsrfChecked])
def create_token(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    user: CurrentUser,
    name: Text,
    access: Annotated[Literal["write", "read"], Form()] = "write",
) -> Response:
    try:
        with db.write() as session:
            raw = services.create_api_token(session, user, name, read_only=access == "read")
    except services.AccountError as exc:
        return _page(request, db, settings, user, 400, error=str(exc))
    # Shown once: only its hash is kept.
    return _page(request, db, settings, user, new_token=raw)


@router.post("/settings/tokens/{token_id}/delete", dependencies=[CsrfChecked])
def revoke_token(db: DatabaseDep, user: CurrentUser, token_id: IdPath) -> Response:
    with db.write() as session:
        services.revoke_api_token(session, user, token_id)
    return see_other("/settings")


@router.post("/settings/profile", dependencies=[CsrfChecked])
def update_profile(db: DatabaseDep, user: CurrentUser, fullname: Annotated[str, Form(max_length=400)] = "") -> Response:
    with db.write() as session:
        services.set_fullname(session, user, fullname)
    return see_other("/settings")
