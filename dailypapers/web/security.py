"""Who is asking (session cookie or API token), CSRF tokens, and the login cookie.

- Sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure when the site is served over https);
  the database keeps only its hash (accounts/models.py).
- CSRF: every state-changing HTML form carries ``csrf_token`` = HMAC(secret key, binding), where the binding
  is the login token for a logged-in visitor, or a random HttpOnly ``dp_csrf`` cookie for an anonymous one
  (log-in, sign-up and reset forms). htmx sends the same value in ``X-CSRF-Token``. A third-party page can
  neither read the binding nor compute the HMAC.
- The JSON API authenticates by ``Authorization: Bearer dp_…`` tokens only, never by cookie, so it needs no CSRF;
  bearer tokens of other services (``hf_…``) are ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dailypapers.accounts import services, tokens
from dailypapers.accounts.models import User
from dailypapers.config import Settings
from dailypapers.db import Database

SESSION_COOKIE = "dp_session"
# "This browser has logged in to this account before": lets the owner past the account's log-in limit while
# strangers are guessing. Sent to the log-in form's route only; it outlives logins (log-out keeps it).
DEVICE_COOKIE = "dp_device"
DEVICE_COOKIE_PATH = "/login"
DEVICE_COOKIE_DAYS = 365
CSRF_COOKIE = "dp_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
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


def _binding(request: Request) -> str:
    token: str | None = getattr(request.state, "session_token", None)
    if token:
        return "session:" + token
    anonymous = getattr(request.state, "new_csrf_cookie", None) or request.cookies.get(CSRF_COOKIE)
    if not anonymous:
        anonymous = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = anonymous
    return "anonymous:" + anonymous


def csrf_token(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return hmac.new(settings.secret_key.encode(), _binding(request).encode(), hashlib.sha256).hexdigest()


async def require_csrf(request: Request) -> None:
    """Route dependency for every state-changing HTML form: a missing or wrong token is a 403."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    has_binding = getattr(request.state, "session_token", None) or request.cookies.get(CSRF_COOKIE)
    if not sent or not has_binding or not hmac.compare_digest(sent, csrf_token(request)):
        raise HTTPException(403, "This form has expired or did not come from this site. Reload the page and try again.")


def _secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def set_login_cookie(response: Response, settings: Settings, raw_token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        raw_token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        path="/",
    )


def _device_state(settings: Settings, user: User) -> dict[str, object]:
    # Bound to the password: after a reset only browsers that log in with the new one are remembered.
    return {"u": user.id, "p": tokens.fingerprint(settings.secret_key, user.password_hash)}


def remember_browser(response: Response, settings: Settings, user: User) -> None:
    """After a successful log-in: a signed, HttpOnly cookie naming the account (one per browser, the last)."""
    response.set_cookie(
        DEVICE_COOKIE,
        tokens.sign(settings.secret_key, "device", _device_state(settings, user)),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        path=DEVICE_COOKIE_PATH,
    )


def is_remembered_browser(request: Request, settings: Settings, user: User) -> bool:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return False
    try:
        payload = tokens.unsign(settings.secret_key, "device", raw, DEVICE_COOKIE_DAYS * 86400)
    except tokens.InvalidToken:
        return False
    return payload == _device_state(settings, user)


def clear_login_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(settings), path="/")


def attach_csrf_cookie(request: Request, response: Response) -> None:
    """Called by ``render``: a page that minted an anonymous CSRF binding sets its cookie."""
    value = getattr(request.state, "new_csrf_cookie", None)
    if value:
        settings: Settings = request.app.state.settings
        response.set_cookie(
            CSRF_COOKIE, value, httponly=True, samesite="lax", secure=_secure(settings), path="/", max_age=86400 * 7
        )
