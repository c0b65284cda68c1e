"""Who is asking: the visitor's ``User`` from the session cookie (pages) or the bearer token (``/api``), the
route dependencies that need one, and the "remembered browser" cookie bound to an account's password.

The web toolkit (web/security.py) keeps the CSRF and cookie mechanics and names no domain; the lookup lives
here because it reads accounts' tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dailypapers import signing
from dailypapers.accounts import services
from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.web.errors import LoginRequired
from dailypapers.web.security import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_DAYS,
    DEVICE_COOKIE_PATH,
    SAFE_METHODS,
    SESSION_COOKIE,
    secure_cookies,
)

FoundT = TypeVar("FoundT")


async def load_user(request: Request) -> None:
    """App-wide dependency: puts the visitor's ``User`` (or None) on ``request.state.user``. API paths use the
    bearer token, pages the session cookie. Async, so anonymous requests (most of them) cost no thread hop;
    the database lookup runs in the thread pool only when there is a credential to check."""
    request.state.user = None
    request.state.session_token = None
    database: Database = request.app.state.db
    if request.url.path.startswith("/api/"):
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        # Only our own tokens are credentials here. Clients of huggingface.co send theirs (``hf_…``, from
        # HF_TOKEN) to every endpoint they talk to: such a foreign token is ignored, so the visitor is anonymous
        # (public routes answer, routes that need a login say 401 as for no token). A ``dp_`` token that does
        # not match is a 401: its owner meant to log in and must hear that it failed.
        credentials = credentials.strip()
        if scheme.lower() == "bearer" and credentials.startswith(services.API_TOKEN_PREFIX):
            token = await run_in_threadpool(_lookup, database, services.api_token_for, credentials)
            if token is None:
                raise HTTPException(401, "This API token is not valid (revoked or mistyped).")
            # A read-only token reads: every method that could change something is refused before a route runs.
            if token.read_only and request.method not in SAFE_METHODS:
                raise HTTPException(403, "This API token is read-only; create one that can write in Settings.")
            request.state.user = token.user
        return
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        request.state.user = await run_in_threadpool(_lookup, database, services.user_for_session, raw)
        if request.state.user is not None:
            request.state.session_token = raw


def _lookup(database: Database, find: Callable[[Session, str], FoundT | None], credential: str) -> FoundT | None:
    with database.read() as session:
        return find(session, credential.strip())


def current_user(request: Request) -> User | None:
    user: User | None = getattr(request.state, "user", None)
    return user


# The small dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in the thread
# pool, and each hand-off costs ~0.5-1 ms under load on 2 cores, more than the work they do.


async def optional_user(request: Request) -> User | None:
    return current_user(request)


async def required_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


async def curator_user(request: Request) -> User:
    user = await required_user(request)
    if not user.is_curator:
        raise HTTPException(403, "Only curators can do this.")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(required_user)]
CuratorUser = Annotated[User, Depends(curator_user)]


def _device_state(settings: Settings, user: User) -> dict[str, object]:
    # Bound to the password: after a reset only browsers that log in with the new one are remembered.
    return {"u": user.id, "p": signing.fingerprint(settings.secret_key, user.password_hash)}


def remember_browser(response: Response, settings: Settings, user: User) -> None:
    """After a successful log-in: a signed, HttpOnly cookie naming the account (one per browser, the last)."""
    response.set_cookie(
        DEVICE_COOKIE,
        signing.sign(settings.secret_key, "device", _device_state(settings, user)),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
        path=DEVICE_COOKIE_PATH,
    )


def is_remembered_browser(request: Request, settings: Settings, user: User) -> bool:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return False
    try:
        payload = signing.unsign(settings.secret_key, "device", raw, DEVICE_COOKIE_DAYS * 86400)
    except signing.InvalidToken:
        return False
    return payload == _device_state(settings, user)
