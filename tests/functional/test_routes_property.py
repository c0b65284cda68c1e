"""Every route, every parameter, hostile values (issue #11): hypothesis draws a route of the running app and fills
its path, query and form parameters with values from the edges (huge and negative integers, the calendar's first
and last days, non-ASCII digits, NUL, overlong text). Whatever it sends, the answer is never a 5xx: bad input is
a 400/404/422 with a message. A logged-in curator with an API token sends them, so that handlers behind log-in,
CSRF and the curator check are reached too. On SQLite and PostgreSQL (their INTEGERs end at different places).

The routes are read from ``app.routes``, so a route added later is covered without editing this test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailypapers.accounts.models import Role
from dailypapers.db import Database
from dailypapers.web.params import MAX_ID
from tests.conftest import HF_DAYS
from tests.factories import api_token, form_token, load_days, log_in, make_user

# Bounded: each backend gets this many requests (about 30-50 s on two shared cores).
EXAMPLES = 500
# /logout would end the session the rest of the examples use; the submit routes would ask arXiv over the network
# (their ids are tested against a replay server in test_submissions.py); the import takes a file upload.
SKIPPED = {("POST", "/logout"), ("POST", "/submit"), ("POST", "/api/papers/submit"), ("POST", "/for-you/import")}

EDGE_INTS = [0, -1, 1, MAX_ID, MAX_ID + 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 10**100]
EDGE_TEXT = [
    "date",  # the listing routes' {kind}: anything else is another route
    "week",
    "month",
    "9999-12-31",
    "0001-01-01",
    "0000-01-01",
    "9999-W52",
    "9999-W53",
    "0001-W01",
    "0000-W01",
    "9999-12",
    "0001-01",
    "2025-W44",
    "2025-10-29",
    "2510.26692",
    "2510.26692v" + "9" * 40,
    "hep-th/9901001",
    "\uff12\uff10\uff12\uff15-10-29",  # fullwidth digits
    "\u0661\u0662",  # Arabic-Indic digits, which int() accepts
    "\u00b2",  # "²": str.isdigit() says yes, int() says no
    "1e309",
    "NaN",
    "-0",
    "",
    " ",
    "\x00",
    "%00",
    "../../etc/passwd",
    "'; DROP TABLE papers; --",
    "<script>alert(1)</script>",
    "\ud800",  # a lone surrogate
    "x" * 5000,
]
EDGES = st.sampled_from([*map(str, EDGE_INTS), *EDGE_TEXT])
# Edges three times: hypothesis picks a branch of one_of about evenly, and the edges are where the bugs were.
VALUES = st.one_of(
    EDGES,
    EDGES,
    EDGES,
    st.integers().map(str),
    st.dates(min_value=dt.date.min, max_value=dt.date.max).map(dt.date.isoformat),
    st.text(max_size=60),
)


def _params(dependant: Dependant) -> tuple[list[str], list[str], list[str]]:
    """The path, query and body parameter names of a route, its dependencies' included."""
    path = [p.alias for p in dependant.path_params]
    query = [p.alias for p in dependant.query_params]
    body = [p.alias for p in dependant.body_params]
    for sub in dependant.dependencies:
        more = _params(sub)
        path, query, body = path + more[0], query + more[1], body + more[2]
    return path, query, body


def _routes(app: FastAPI) -> list[tuple[str, str, list[str], list[str], list[str]]]:
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        path, query, body = _params(route.dependant)
        for method in sorted(context.methods or ()):
            if (method, context.path_format) not in SKIPPED:
                found.append((method, str(context.path_format), path, query, body))
    return found


def _safe(text: str) -> str:
    # A lone surrogate cannot be sent at all; what the server sees for it is its replacement character.
    return text.encode("utf-8", "replace").decode("utf-8")


@pytest.fixture
def curator(db: Database, app: FastAPI) -> Iterator[tuple[TestClient, str, str]]:
    load_days(db, sorted(HF_DAYS.glob("*.json"))[-1])  # one day: listings, neighbours and a paper to act on
    user = make_user(db, "ada", role=Role.curator)
    token = api_token(db, user)
    with TestClient(app, raise_server_exceptions=False) as client:
        log_in(client, "ada")
        yield client, form_token(client), token


def test_no_route_answers_any_parameter_with_a_server_error(app: FastAPI, curator: tuple[TestClient, str, str]) -> None:
    client, csrf, token = curator
    routes = _routes(app)
    assert len(routes) > 50  # the walk found the app's routes (there are about 65)
    failures: list[str] = []

    @st.composite
    def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], dict[str, str]]:
        method, path_format, path_names, query_names, body_names = draw(st.sampled_from(routes))
        # Half the time one value goes into every parameter, so that an edge reaches the one that breaks.
        shared = draw(st.one_of(st.none(), VALUES))

        def value() -> str:
            return _safe(shared if shared is not None else draw(VALUES))

        url = path_format
        for name in path_names:
            url = url.replace("{" + name + "}", quote(value(), safe="") or "x")
        query = {n: value() for n in query_names if draw(st.booleans())}
        body = {n: value() for n in body_names if draw(st.booleans())}
        return method, url, query, body

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests())
    def check(request: tuple[str, str, dict[str, str], dict[str, str]]) -> None:
        method, url, query, body = request
        headers = {"X-CSRF-Token": csrf}
        if url.startswith("/api/"):
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"params": query, "headers": headers, "follow_redirects": False}
        if method in ("POST", "PUT") and body:
            if url.startswith("/api/"):
                kwargs["json"] = body
            else:
                kwargs["data"] = body
        response = client.request(method, url, **kwargs)
        if response.status_code >= 500:
            failures.append(f"{method} {url} {query} {body} -> {response.status_code}")
        assert response.status_code < 500, failures[-1]

    check()
