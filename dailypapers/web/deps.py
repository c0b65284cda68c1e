"""FastAPI dependencies shared by every router (the visitor's ``CurrentUser`` and friends are accounts/auth.py's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.web.security import require_csrf

# The small dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in the thread
# pool, and each hand-off costs ~0.5-1 ms under load on 2 cores, more than the work they do.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def read_session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.db
    with database.read() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(read_session)]


DatabaseDep = Annotated[Database, Depends(get_database)]
CsrfChecked = Depends(require_csrf)

# ``responses=`` for every API route that takes ``CurrentUser``: FastAPI cannot see that a dependency may answer
# 401, so the spec says it here (the body is web/errors.py's ``{"error": …}``); a test checks each route.
TOKEN_REQUIRED: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "No valid API token: send `Authorization: Bearer dp_…` (create one in Settings).",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
            }
        },
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    }
}
