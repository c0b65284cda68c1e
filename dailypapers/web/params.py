"""The one bounded integer type for ids and positions that come from outside: paths, query strings, forms and
JSON bodies.

Our id columns are SQL ``INTEGER``: 32 bits on PostgreSQL (a larger number fails the query with "integer out of
range") and 64 on SQLite ("Python int too large to convert"). Either way an unchecked id from a URL became a 500.
Validated here, an id outside 1 … 2^31-1 is refused before any handler runs (a 400 page or a 422 API answer), and
the bounds appear in the OpenAPI spec, so clients see what the server enforces.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query
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
