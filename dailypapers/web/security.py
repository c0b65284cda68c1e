"""CSRF tokens and the login cookies. Who is asking (the session or API token lookup) is accounts/auth.py's:
this module names no domain, it only reads ``request.state.session_token`` that the lookup leaves.

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

from fastapi import HTTPException, Request, Response

from dailypapers.config import Settings

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


def secure_cookies(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def set_login_cookie(response: Response, settings: Settings, raw_token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        raw_token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
        path="/",
    )


def clear_login_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=secure_cookies(settings), path="/")


def attach_csrf_cookie(request: Request, response: Response) -> None:
    """Called by ``render``: a page that minted an anonymous CSRF binding sets its cookie."""
    value = getattr(request.state, "new_csrf_cookie", None)
    if value:
        settings: Settings = request.app.state.settings
        response.set_cookie(
            CSRF_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(settings),
            path="/",
            max_age=86400 * 7,
        )
