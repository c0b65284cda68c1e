"""``GET /api/whoami-v2``: who an API token belongs to (the route huggingface_hub's ``whoami`` calls)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from dailypapers.accounts.auth import CurrentUser
from dailypapers.web.deps import TOKEN_REQUIRED

router = APIRouter(prefix="/api", tags=["account"])


@router.get("/whoami-v2", responses=TOKEN_REQUIRED)
def whoami(user: CurrentUser) -> dict[str, Any]:
    """The token's owner, in the shape huggingface.co answers (``type``, ``name``, ``fullname``)."""
    return {
        "type": "user",
        "id": str(user.id),
        "name": user.username,
        "fullname": user.display_name,
        "avatarUrl": user.avatar_url,
        "role": user.role,
    }
