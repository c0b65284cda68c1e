"""Subscribing (double opt-in), the preferences page and unsubscribing, all by signed links: no login needed.

The listing and paper pages carry a small GET form that leads here, so those pages stay cacheable and
cookie-free; the form that subscribes has its CSRF token. ``POST /unsubscribe`` is RFC 8058's one-click
unsubscribe: mail providers call it without cookies, so the signed token is its only credential. No GET
changes a subscription: the confirmation and unsubscribe links open a page whose button POSTs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import OptionalUser
from dailypapers.digests import emails, subscriptions
from dailypapers.digests.models import Subscription
from dailypapers.email.interfaces import send_after_response
from dailypapers.signing import InvalidToken
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SettingsDep
from dailypapers.web.forms import see_other
from dailypapers.web.ratelimit import client_address, limit
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
# Generous caps: the services give the readable refusals (e.g. for a 10,000-character keyword list).
Field = Annotated[str, Form(max_length=20_000)]
TokenQuery = Annotated[str, Query(max_length=1000)]


@router.get("/subscribe")
def subscribe_page(
    request: Request,
    user: OptionalUser,
    email: Annotated[str, Query(max_length=320)] = "",
    frequency: Annotated[str, Query(max_length=10)] = "daily",
    categories: Annotated[str, Query(max_length=1000)] = "",
) -> Response:
    form = {"email": email or (user.email if user else "") or "", "frequency": frequency, "categories": categories}
    return render(request, "digests/subscribe.html", {"form": form})


@router.post("/subscribe", dependencies=[CsrfChecked])
def subscribe(
    request: Request,
    background: BackgroundTasks,
    db: DatabaseDep,
    settings: SettingsDep,
    user: OptionalUser,
    email: Field,
    frequency: Field = "daily",
    categories: Field = "",
    keywords: Field = "",
) -> Response:
    limit(request, "subscribe", client_address(request))
    form = {"email": email, "frequency": frequency, "categories": categories, "keywords": keywords}
    try:
        with db.write() as session:
            result = subscriptions.subscribe(session, email, frequency, categories, keywords, user)
            if result.outcome is subscriptions.SubscribeOutcome.confirm:
                message = emails.confirmation(settings, result.subscription)
            else:
                message = emails.already_subscribed(settings, result.subscription)
    except subscriptions.SubscriptionRefused as exc:
        context = {"form": form, "error": str(exc)}
        return render(request, "digests/subscribe.html", context, status_code=400)
    background.add_task(send_after_response, settings, message)
    context = {"email": result.subscription.email, "what": "confirm your subscription"}
    return render(request, "accounts/check_inbox.html", context)


def _invalid(request: Request, exc: InvalidToken) -> Response:
    context = {"status": 400, "title": "Link not valid", "message": str(exc)}
    return render(request, "error.html", context, status_code=400)


@router.get("/subscriptions/confirm")
def confirm_page(request: Request, db: DatabaseDep, settings: SettingsDep, token: TokenQuery) -> Response:
    """The link in the e-mail: a page with one button. A GET must not confirm: mail scanners follow links, and
    an address someone else typed into the form would be subscribed by its own scanner (no opt-in at all)."""
    try:
        with db.read() as session:
            subscription = subscriptions.to_confirm(session, settings, token)
    except InvalidToken as exc:
        return _invalid(request, exc)
    return render(request, "digests/confirm.html", {"subscription": subscription, "token": token})


@router.post("/subscriptions/confirm")
def confirm(request: Request, db: DatabaseDep, settings: SettingsDep, token: TokenQuery) -> Response:
    """Cookie-free like the one-click unsubscribe: the signed link is the credential (and only confirms)."""
    try:
        with db.write() as session:
            subscription = subscriptions.confirm(session, settings, token)
            manage = subscriptions.manage_token(settings, subscription)
    except InvalidToken as exc:
        return _invalid(request, exc)
    return see_other(f"/subscriptions/manage?token={manage}&confirmed=1")


def _manage_context(subscription: Subscription, token: str) -> dict[str, object]:
    return {"subscription": subscription, "token": token}


@router.get("/subscriptions/manage")
def manage_page(request: Request, db: DatabaseDep, settings: SettingsDep, token: TokenQuery) -> Response:
    try:
        with db.read() as session:
            subscription = subscriptions.from_manage_token(session, settings, token)
    except InvalidToken as exc:
        return _invalid(request, exc)
    return render(request, "digests/manage.html", _manage_context(subscription, token))


@router.post("/subscriptions/manage", dependencies=[CsrfChecked])
def manage(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=1000)],
    frequency: Field = "daily",
    categories: Field = "",
    keywords: Field = "",
    filters: Field = "",
) -> Response:
    try:
        with db.write() as session:
            subscription = subscriptions.from_manage_token(session, settings, token)
            subscriptions.update_preferences(subscription, frequency, categories, keywords, filters)
    except InvalidToken as exc:
        return _invalid(request, exc)
    except subscriptions.SubscriptionRefused as exc:
        with db.read() as session:
            subscription = subscriptions.from_manage_token(session, settings, token)
        context = {**_manage_context(subscription, token), "error": str(exc)}
        return render(request, "digests/manage.html", context, status_code=400)
    return see_other(f"/subscriptions/manage?token={token}&saved=1")


@router.get("/unsubscribe")
def unsubscribe_page(request: Request, db: DatabaseDep, settings: SettingsDep, token: TokenQuery) -> Response:
    """The visible link: a page with one button (a GET must not unsubscribe: link scanners follow links)."""
    try:
        with db.read() as session:
            subscription = subscriptions.from_manage_token(session, settings, token)
    except InvalidToken as exc:
        return _invalid(request, exc)
    return render(request, "digests/unsubscribe.html", {"subscription": subscription, "token": token, "done": False})


@router.post("/unsubscribe")
def unsubscribe(request: Request, db: DatabaseDep, settings: SettingsDep, token: TokenQuery) -> Response:
    """One click (RFC 8058): no cookie, no CSRF token; the signed link is the credential. Idempotent."""
    try:
        with db.write() as session:
            subscription = subscriptions.from_manage_token(session, settings, token)
            subscriptions.unsubscribe(subscription)
    except InvalidToken as exc:
        return _invalid(request, exc)
    return render(request, "digests/unsubscribe.html", {"subscription": subscription, "token": token, "done": True})
