"""Error responses: friendly HTML pages for people, ``{"error": ...}`` JSON for the API."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException

from dailypapers.db import DatabaseBusy, database_fault, error_summary
from dailypapers.errors import Refused
from dailypapers.web.forms import redirect_after_post, safe_next
from dailypapers.web.ratelimit import RateLimited
from dailypapers.web.templating import render

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Log in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid request",
    429: "Too many requests",
    502: "Source unavailable",
    503: "Try again in a moment",
}

# What a client is told to wait before retrying: a SQLite write lock is usually held for milliseconds, a
# PostgreSQL server that stopped answering takes longer to come back.
RETRY_AFTER_SECONDS = {"busy": 1, "down": 5}
_FAULT_MESSAGES = {
    "busy": "The database is busy; try again in a moment.",
    "down": "The database is not answering; try again in a moment.",
}
# Errors that may mean the database cannot serve now. Handled here, below Starlette's ServerErrorMiddleware,
# so that one warning line is all that is logged: a handler for ``Exception`` runs there, and that middleware
# re-raises after it, so uvicorn logged a second traceback of each failure.
DATABASE_ERRORS = (DatabaseBusy, sa_exc.OperationalError, sa_exc.TimeoutError, psycopg.OperationalError)


class LoginRequired(Exception):
    """Raised by accounts' ``CurrentUser`` on a page that needs a login: pages redirect to /login, the API
    answers 401. Defined here, with its handler, so the web toolkit needs no domain to handle it."""


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def error_response(request: Request, status: int, message: str, detail: Any = None) -> Response:
    if _wants_json(request):
        body: dict[str, Any] = {"error": message}
        if detail is not None:
            body["detail"] = detail
        return JSONResponse(body, status_code=status)
    context = {"status": status, "title": _TITLES.get(status, "Error"), "message": message}
    return render(request, "error.html", context, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and message == "Not Found":
            message = "There is no page at this address."
        response = error_response(request, exc.status_code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        status = 422 if _wants_json(request) else 400
        detail = [{k: e[k] for k in ("loc", "msg", "type") if k in e} for e in exc.errors()]
        return error_response(request, status, _validation_message(exc), detail if _wants_json(request) else None)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"error": "This needs an API token: send Authorization: Bearer dp_… (create one in Settings)."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        back = request.url.path if request.method == "GET" else urlsplit(request.headers.get("referer", "")).path
        where = f"/login?next={quote(safe_next(back), safe='/')}"
        return redirect_after_post(request, where)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        # Every domain refusal (invalid period, arXiv id or query, a broken rule) in one place, with its status.
        return error_response(request, exc.status_code, str(exc))

    @app.exception_handler(PermissionError)
    async def _forbidden(request: Request, exc: PermissionError) -> Response:
        return error_response(request, 403, str(exc) or "You are not allowed to do this.")

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> Response:
        response = error_response(request, 429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response

    async def _database(request: Request, exc: Exception) -> Response:
        fault = database_fault(exc)
        if fault is None:
            log.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
            return error_response(request, 500, "Something went wrong on our side; it has been logged.")
        log.warning("database %s on %s %s: %s", fault, request.method, request.url.path, error_summary(exc))
        response = error_response(request, 503, _FAULT_MESSAGES[fault])
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS[fault])
        return response

    for error_class in DATABASE_ERRORS:
        app.add_exception_handler(error_class, _database)

    @app.exception_handler(Exception)
    async def _crash(request: Request, _exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "Something went wrong on our side; it has been logged.")
