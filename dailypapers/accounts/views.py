"""Sign-up, log-in, log-out, e-mail confirmation and password reset (the account page is in ``pages.settings``).

Answers never tell whether an e-mail address has an account: sign-up and reset requests always end on the
same "check your inbox" page, and a failed log-in says the same for an unknown name and a wrong password.
E-mails go out after the response (``BackgroundTasks``), so their cost is not a timing signal either.

A confirmation link is not a login: it opens a form that asks for the password (POST, CSRF), and it works once.
Log-in tries are limited per client address and per account; see ``_account_hears`` for why the account's
limit neither locks its owner out nor shows.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import Response

from dailypapers.accounts import emails, services
from dailypapers.accounts.auth import is_remembered_browser, remember_browser
from dailypapers.accounts.models import User
from dailypapers.accounts.passwords import PASSWORD_MAX_CHARS, WeakPassword
from dailypapers.config import Settings
from dailypapers.email.interfaces import send_after_response
from dailypapers.signing import InvalidToken
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SettingsDep
from dailypapers.web.forms import safe_next, see_other
from dailypapers.web.ratelimit import RateLimited, client_address, limit
from dailypapers.web.security import clear_login_cookie, set_login_cookie
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=400)]
Password = Annotated[str, Form(max_length=PASSWORD_MAX_CHARS)]
NextParam = Annotated[str | None, Form(max_length=2000)]


def _inbox_page(request: Request, email: str, what: str) -> Response:
    return render(request, "accounts/check_inbox.html", {"email": email, "what": what})


@router.get("/signup")
def signup_page(request: Request) -> Response:
    return render(request, "accounts/signup.html", {"form": {}})


@router.post("/signup", dependencies=[CsrfChecked])
def signup(
    request: Request,
    background: BackgroundTasks,
    db: DatabaseDep,
    settings: SettingsDep,
    username: Text,
    email: Text,
    password: Password,
    fullname: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    limit(request, "signup", client_address(request))
    form = {"username": username, "email": email, "fullname": fullname}
    try:
        with db.write() as session:
            result = services.sign_up(session, username, email, password, fullname)
            # Built while the row is loaded; each outcome mails the address, and only the address learns which.
            if result.outcome is services.SignupOutcome.username_taken or result.user is None:
                message = emails.username_taken(settings, result.email, result.username)
            elif result.outcome is services.SignupOutcome.created:
                message = emails.confirmation(settings, result.user)
            else:
                message = emails.already_registered(settings, result.user)
    except (services.AccountError, WeakPassword) as exc:
        context = {"form": form, "error": str(exc)}
        return render(request, "accounts/signup.html", context, status_code=400)
    background.add_task(send_after_response, settings, message)
    return _inbox_page(request, form["email"].strip(), "confirm your address and finish signing up")


LOGIN_FAILED = (
    "That username or e-mail and password do not match. (After many failed tries, an account takes its password "
    "for a while only from browsers that have logged in to it before; a password reset always works.)"
)


def _account_hears(request: Request, settings: Settings, login: str, user: User | None) -> bool:
    """Count one password try against the account it names, keyed on the account itself, so its username and
    e-mail share one budget (an unknown name gets a budget of its own, so unknown and known names behave
    alike). A browser that logged in to the account before is not counted: strangers using up the budget do
    not lock the owner out. Past the budget a try is not heard: it gets the ordinary "do not match" answer
    after the same work, so neither the lock nor which e-mail belongs to which username shows."""
    if user is not None and is_remembered_browser(request, settings, user):
        return True
    key = f"user:{user.id}" if user is not None else "name:" + login.strip().lower()
    try:
        limit(request, "login", "account", key)
    except RateLimited:
        return False
    return True


def _logged_in(response: Response, settings: Settings, user: User, raw_session: str) -> Response:
    set_login_cookie(response, settings, raw_session)
    remember_browser(response, settings, user)
    return response


@router.get("/confirm")
def confirm_page(
    request: Request, db: DatabaseDep, settings: SettingsDep, token: Annotated[str, Query(max_length=1000)]
) -> Response:
    """The link from the e-mail: a page asking for the password. A GET changes nothing (mail scanners follow
    links) and logs no one in (a link is not a password, and a GET cannot carry a CSRF token)."""
    try:
        with db.read() as session:
            user = services.user_to_confirm(session, settings, token)
    except InvalidToken as exc:
        return _link_not_valid(request, exc)
    return render(request, "accounts/confirm.html", {"token": token, "username": user.username})


@router.post("/confirm", dependencies=[CsrfChecked])
def confirm(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=1000)],
    password: Password,
) -> Response:
    limit(request, "login", client_address(request))
    try:
        with db.write() as session:
            user = services.user_to_confirm(session, settings, token)
            username = user.username
            heard = _account_hears(request, settings, username, user)
            if heard:
                confirmed = services.confirm_email(user, password)
            else:  # the same argon2 work as a heard try, so time does not tell either
                confirmed = services.authenticate(None, password) is not None
            raw = services.start_session(session, settings, user) if confirmed else None
    except InvalidToken as exc:
        return _link_not_valid(request, exc)
    if raw is None:
        context = {"token": token, "username": username, "error": "That is not the password of this account."}
        return render(request, "accounts/confirm.html", context, status_code=400)
    return _logged_in(see_other("/?welcome=1"), settings, user, raw)


def _link_not_valid(request: Request, exc: InvalidToken) -> Response:
    context = {"status": 400, "title": "Link not valid", "message": str(exc)}
    return render(request, "error.html", context, 400)


@router.get("/login")
def login_page(request: Request, next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    return render(request, "accounts/login.html", {"next": safe_next(next), "login": ""})


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    background: BackgroundTasks,
    db: DatabaseDep,
    settings: SettingsDep,
    login: Text,
    password: Password,
    next: NextParam = None,
) -> Response:
    # The address first: a flood is refused before any database work.
    limit(request, "login", client_address(request))
    target = safe_next(next)
    with db.write() as session:
        candidate = services.user_for_login(session, login)
        heard = _account_hears(request, settings, login, candidate)
        try:
            user = services.authenticate(candidate if heard else None, password)
        except services.EmailNotConfirmed as exc:
            # Built while the user row is loaded; only someone with the right password gets here.
            background.add_task(send_after_response, settings, emails.confirmation(settings, exc.user))
            context = {"next": target, "login": login, "error": str(exc)}
            return render(request, "accounts/login.html", context, status_code=400)
        raw = services.start_session(session, settings, user) if user else None
    if raw is None or user is None:
        context = {"next": target, "login": login, "error": LOGIN_FAILED}
        return render(request, "accounts/login.html", context, status_code=400)
    return _logged_in(see_other(target), settings, user, raw)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, db: DatabaseDep, settings: SettingsDep) -> Response:
    token = request.state.session_token
    if token:
        with db.write() as session:
            services.end_session(session, token)
    response = see_other("/")
    clear_login_cookie(response, settings)
    return response


@router.get("/reset/request")
def reset_request_page(request: Request) -> Response:
    return render(request, "accounts/reset_request.html", {})


@router.post("/reset/request", dependencies=[CsrfChecked])
def reset_request(
    request: Request, background: BackgroundTasks, db: DatabaseDep, settings: SettingsDep, email: Text
) -> Response:
    limit(request, "reset", client_address(request))
    try:
        address = services.normalize_email(email)
    except services.AccountError as exc:
        return render(request, "accounts/reset_request.html", {"error": str(exc), "email": email}, 400)
    limit(request, "reset", "email", address)
    with db.read() as session:
        user = services.user_by_email(session, address)
    if user is not None:
        background.add_task(send_after_response, settings, emails.password_reset(settings, user))
    return _inbox_page(request, address, "choose a new password")


@router.get("/reset")
def reset_page(request: Request, token: Annotated[str, Query(max_length=1000)]) -> Response:
    return render(request, "accounts/reset.html", {"token": token})


@router.post("/reset", dependencies=[CsrfChecked])
def reset(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=1000)],
    password: Password,
) -> Response:
    try:
        with db.write() as session:
            user = services.reset_password(session, settings, token, password)
            raw = services.start_session(session, settings, user)
    except (InvalidToken, WeakPassword) as exc:
        return render(request, "accounts/reset.html", {"token": token, "error": str(exc)}, 400)
    return _logged_in(see_other("/settings?reset=1"), settings, user, raw)
