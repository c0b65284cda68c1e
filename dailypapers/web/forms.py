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


def is_htmx(request: Request) -> bool:
    """The request came from htmx (it sends ``HX-Request: true``): answer with a fragment, not a page."""
    return request.headers.get("hx-request") == "true"


def see_other(url: str) -> RedirectResponse:
    """After a POST: 303, so a reload of the next page does not send the form again."""
    return RedirectResponse(url, status_code=303)


def redirect_after_post(request: Request, where: str) -> Response:
    """``see_other``, except for htmx, which follows no 303 in place: an HX-Redirect header makes it navigate."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": where})
    return see_other(where)


def back_to(request: Request, target: str | None, default: str = "/") -> Response:
    """After a successful POST, back to the same-site ``target`` (``default`` when it is missing or foreign)."""
    return redirect_after_post(request, safe_next(target, default))
