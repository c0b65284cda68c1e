"""Domain refusals reach the client through one exception handler, with their status and message."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from dailypapers.errors import Refused
from dailypapers.papers.periods import InvalidPeriod
from dailypapers.search.query import InvalidQuery
from dailypapers.web.errors import install_error_handlers


class Gone(Refused):
    status_code = 410


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/period")
    def period() -> None:
        raise InvalidPeriod("'2025-13' is not a month")

    @app.get("/api/query")
    def query() -> None:
        raise InvalidQuery("the query is empty")

    @app.get("/api/gone")
    def gone() -> None:
        raise Gone("this is gone")

    return app


def test_refusals_answer_their_status_with_their_message() -> None:
    client = TestClient(_app())
    for path, status, message in [
        ("/api/period", 400, "'2025-13' is not a month"),
        ("/api/query", 400, "the query is empty"),
        ("/api/gone", 410, "this is gone"),
    ]:
        response = client.get(path)
        assert (response.status_code, response.json()) == (status, {"error": message}), path


def test_domain_errors_stay_value_errors() -> None:
    # Code that catches ValueError around a parse (the CLI, the importers) keeps working.
    assert issubclass(InvalidPeriod, ValueError)
    assert issubclass(InvalidPeriod, Refused)
