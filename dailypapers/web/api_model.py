"""The one base of every JSON API shape: fields are snake_case in Python and camelCase (their alias) on the wire,
as huggingface.co's papers API spells them; every domain's ``schemas.py`` derives from it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ErrorOut(ApiModel):
    """The body of every 4xx/5xx answer of the JSON API."""

    error: str
    detail: Any = None
