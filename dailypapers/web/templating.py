"""Jinja2 environment: autoescaping everywhere, and the few filters the templates share."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from dailypapers import __version__
from dailypapers.config import Settings
from dailypapers.web.security import attach_csrf_cookie, csrf_token

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def card_date(value: dt.date | dt.datetime | None, today: dt.date | None = None) -> str:
    """'Mar 28' within the current year, 'Feb 15, 2024' otherwise (the Daily Papers card style)."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, dt.datetime) else value
    today = today or dt.datetime.now(dt.UTC).date()
    text = f"{day:%b} {day.day}"
    return text if day.year == today.year else f"{text}, {day.year}"


def long_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    day = value.date() if isinstance(value, dt.datetime) else value
    return f"{day:%B} {day.day}, {day.year}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def highlight(text: str, terms: tuple[str, ...] | list[str]) -> Markup:
    """``text`` escaped, with words that start like a query term wrapped in <mark> (stems: "transformers"
    also marks "transformer")."""
    stems = sorted({t if len(t) <= 4 else t[: max(4, len(t) - 2)] for t in terms if t}, key=len, reverse=True)
    if not stems:
        return escape(text)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(text[last:])))
    # Every piece was escaped above; only our own <mark> tags are markup.
    return Markup("".join(out))  # noqa: S704


def make_templates(settings: Settings) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(card_date=card_date, long_date=long_date, highlight=highlight)
    env.globals.update(plural=plural, settings=settings, version=__version__)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render ``name``; every template sees the visitor (``user``) and a lazy ``csrf_token()`` for forms."""
    templates: Jinja2Templates = request.app.state.templates
    # The visitor that accounts/auth.py's app-wide lookup left (None on pages it did not run for).
    context.setdefault("user", getattr(request.state, "user", None))
    context.setdefault("csrf_token", lambda: csrf_token(request))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    attach_csrf_cookie(request, response)
    return response
