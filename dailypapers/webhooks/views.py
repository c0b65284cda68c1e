"""The curators' webhook settings page: add, test, enable, remove; each webhook's state, its last deliveries and
the reason it was disabled. Every form carries its CSRF token; Jinja escapes what curators typed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.auth import CuratorUser
from dailypapers.text import whole_number
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SettingsDep
from dailypapers.web.forms import see_other
from dailypapers.web.params import IdPath
from dailypapers.web.templating import render
from dailypapers.webhooks import services
from dailypapers.webhooks.models import Service, WebhookDelivery
from dailypapers.webhooks.outbox import send_test
from dailypapers.webhooks.transport import HttpPoster, PermanentFailure, TemporaryFailure

router = APIRouter(include_in_schema=False)
PAGE = "/settings/webhooks"
RECENT_DELIVERIES = 5
Field = Annotated[str, Form(max_length=4000)]


def page_context(session: Session) -> dict[str, object]:
    webhooks = services.all_webhooks(session)
    # One small query per webhook (a site has a handful): the history grows by a row per webhook and day.
    recent = {
        w.id: list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == w.id)
                .order_by(WebhookDelivery.day.desc())
                .limit(RECENT_DELIVERIES)
            )
        )
        for w in webhooks
    }
    return {
        "webhooks": webhooks,
        "recent": recent,
        "shown_url": services.shown_url,
        "services": [s.value for s in Service],
        "form": {},
        "new_secret": None,
        "message": None,
    }


def _page(request: Request, db: DatabaseDep, status_code: int = 200, **extra: object) -> Response:
    with db.read() as session:
        context = {**page_context(session), **extra}
    return render(request, "webhooks/settings.html", context, status_code=status_code)


@router.get(PAGE)
def settings_page(request: Request, db: DatabaseDep, _curator: CuratorUser) -> Response:
    return _page(request, db)


@router.post(PAGE, dependencies=[CsrfChecked])
def add(
    request: Request,
    db: DatabaseDep,
    user: CuratorUser,
    name: Field,
    service: Field,
    url: Field,
    top: Field = "10",
    categories: Field = "",
    secret: Field = "",
) -> Response:
    form = {"name": name, "service": service, "url": url, "top": top, "categories": categories}
    try:
        if whole_number(top.strip()) is None:
            raise services.WebhookRefused("top: give a whole number of papers.")
        with db.write() as session:
            webhook = services.add(
                session,
                name=name,
                service=service,
                url=url,
                top_n=int(top.strip()[:4]),
                categories=categories,
                secret=secret,
                created_by=user,
            )
            generated = webhook.secret if webhook.service == Service.generic.value and not secret.strip() else None
    except services.WebhookRefused as exc:
        return _page(request, db, 400, form=form, error=str(exc))
    # A generated signing secret is shown once, in this answer (never in a redirect's URL).
    return _page(request, db, new_secret=generated, message=f"Added {webhook.name}.")


@router.post(PAGE + "/{webhook_id}/test", dependencies=[CsrfChecked])
def test(
    request: Request, db: DatabaseDep, settings: SettingsDep, _curator: CuratorUser, webhook_id: IdPath
) -> Response:
    try:
        with HttpPoster(settings) as poster:
            message = send_test(db, settings, webhook_id, poster)
    except LookupError:
        raise services.NoSuchWebhook(f"No webhook {webhook_id}.") from None
    except (TemporaryFailure, PermanentFailure) as exc:
        return _page(request, db, 200, error=f"The test post failed: {exc}")
    return _page(request, db, message=message[:1].upper() + message[1:] + ".")


@router.post(PAGE + "/{webhook_id}/enable", dependencies=[CsrfChecked])
def enable(db: DatabaseDep, _curator: CuratorUser, webhook_id: IdPath) -> Response:
    with db.write() as session:
        services.enable(session, webhook_id)
    return see_other(PAGE)


@router.post(PAGE + "/{webhook_id}/delete", dependencies=[CsrfChecked])
def delete(db: DatabaseDep, _curator: CuratorUser, webhook_id: IdPath) -> Response:
    with db.write() as session:
        services.remove(session, webhook_id)
    return see_other(PAGE)
