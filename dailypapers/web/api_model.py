"""The JSON API's two building blocks.

``ApiModel`` is the base of every JSON shape: fields are snake_case in Python and camelCase (their alias) on the
wire, as huggingface.co's papers API spells them; every domain's ``schemas.py`` derives from it.

``ApiJson`` answers the paper lists (the feed, paper pages, search, similar, collections): their handlers build
plain dicts in the wire's shape (``api/shapes.py``) and return them through it, so they skip pydantic. Why: a
100-paper page is ~1,300 nested models (a paper, its ~10 authors, the wrapper); building them cost 6-8 ms of a
17 ms answer, the dicts and one orjson call ~1 ms (benchmarks/web_pages.py's profile). The models stay the routes'
``response_model`` for the OpenAPI document, and tests validate real answers against them.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

# UTC datetimes end in "Z", naive ones carry no offset: exactly what pydantic writes for the same values.
_ORJSON_OPTIONS = orjson.OPT_UTC_Z


class ApiModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ErrorOut(ApiModel):
    """The body of every 4xx/5xx answer of the JSON API."""

    error: str
    detail: Any = None


class ApiJson(Response):
    """A JSON answer from dicts, lists, strings, numbers and datetimes, encoded by orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=_ORJSON_OPTIONS)


def without_none(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` minus the keys whose value is None: the API leaves absent values out, as pydantic's
    ``exclude_none`` did (one level: a nested dict is a value of its own, like ``organization``)."""
    return {name: value for name, value in fields.items() if value is not None}
