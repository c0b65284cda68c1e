"""``Refused``: the base of the errors a domain raises when it declines a request for a reason the user can
act on (an invalid period, arXiv id or query; a comment or submission that breaks a rule).

The message is safe to show. The web toolkit maps every ``Refused`` to its ``status_code`` with one exception
handler (web/errors.py), so handlers do not translate each one to an HTTPException. Infrastructure: it imports
nothing, so a pure domain module (papers/periods.py) can subclass it without pulling in the web stack.
"""

from __future__ import annotations

from typing import ClassVar


class Refused(Exception):
    """A request declined for a reason the user can fix; ``str(exc)`` is the message shown."""

    # 400 unless a subclass says otherwise; a route that means "no such thing" still catches and answers 404.
    status_code: ClassVar[int] = 400
