"""``dailypapers doctor``: one line per check, what to fix; exit 1 when any check failed (ops/doctor.py)."""

from __future__ import annotations

import typer

from dailypapers.cli.common import out, say
from dailypapers.ops.doctor import run_checks
from dailypapers.wiring import all_jobs


def doctor() -> None:
    """Check the configuration, database, Redis, SMTP, the embedding model, and each job's last run and backlog."""
    checks = run_checks(all_jobs())
    for check in checks:
        say(out, check.line())
    if any(check.status == "FAIL" for check in checks):
        raise typer.Exit(1)
