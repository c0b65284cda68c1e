"""The one bounded integer type for ids and positions that come from outside: paths, query strings, forms and
JSON bodies.

Our id columns are SQL ``INTEGER``: 32 bits on PostgreSQL (a larger number fails the query with "integer out of
range") and 64 on SQLite ("Python int too large to convert"). Either way an unchecked id from a URL became a 500.
Validated here, an id outside 1 … 2^31-1 is refused before any handler runs (a 400 page or a 422 API answer), and
the bounds appear in the OpenAPI spec, so clients see what the server enforces.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Form, HTTPException, Path, Query, Request
from pydantic import Field

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the narrower of our two databases
# A paper's authors are numbered from 0; the longest author lists on arXiv have a few thousand names.
MAX_POSITION = 100_000

ID_DESCRIPTION = f"A positive integer id, 1 to {MAX_ID:,}."
POSITION_DESCRIPTION = f"A 0-based place in the paper's author list, 0 to {MAX_POSITION:,}."

# For pydantic models of request bodies.
Id = Annotated[int, Field(ge=1, le=MAX_ID, description=ID_DESCRIPTION)]

# For handler parameters.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description=ID_DESCRIPTION)]
IdQuery = Annotated[int, Query(ge=1, le=MAX_ID, description=ID_DESCRIPTION)]
IdForm = Annotated[int, Form(ge=1, le=MAX_ID, description=ID_DESCRIPTION)]
OptionalIdForm = Annotated[int | None, Form(ge=1, le=MAX_ID, description=ID_DESCRIPTION)]
PositionForm = Annotated[int, Form(ge=0, le=MAX_POSITION, description=POSITION_DESCRIPTION)]


# ``\u0000`` in JSON, unless its backslash is itself escaped (``\\u0000`` is the six characters, no NUL).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
NUL_MESSAGE = "The request contains a NUL character (U+0000), which no field accepts."


async def reject_nul(request: Request) -> None:
    """Refuse a NUL character anywhere in the path, query string or a form or JSON body, before any handler.

    PostgreSQL's text cannot hold U+0000: a username, a search filter or a comment with one failed the query
    (a 500 on PostgreSQL, while SQLite stored it). No field of ours has a use for it, so both databases refuse it
    here, once, with a 400. FastAPI has read and cached the body before dependencies run, so this reads no more.
    """
    if "\x00" in request.scope.get("path", "") or any(
        "\x00" in k or "\x00" in v for k, v in request.query_params.multi_items()
    ):
        raise HTTPException(400, NUL_MESSAGE)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        if any("\x00" in key or (isinstance(value, str) and "\x00" in value) for key, value in form.multi_items()):
            raise HTTPException(400, NUL_MESSAGE)
    elif "json" in content_type and _JSON_NUL.search(await request.body()):
        raise HTTPException(400, NUL_MESSAGE)
