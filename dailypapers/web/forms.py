"""Small helpers shared by the HTML form handlers."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to after a form; anything else (``//evil``, ``https://…``) gives ``default``,
    so no link can turn the log-in page into an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def back_to(request: Request, target: str | None, default: str = "/") -> Response:
    """After a successful POST: 303 to ``target`` (htmx: an HX-Redirect header, as htmx follows no 303)."""
    where = safe_next(target, default)
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": where})
    return RedirectResponse(where, status_code=303)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
