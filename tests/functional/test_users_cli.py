"""``dailypapers users``: an operator creates the first administrator and hands out roles."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dailypapers.accounts.services import user_by_username
from dailypapers.cli import app as cli
from dailypapers.config import Settings
from dailypapers.db import Database
from tests.factories import log_in, make_user

runner = CliRunner()


def test_create_admin_then_log_in(env_settings: Settings, db: Database, client: TestClient) -> None:
    args = ["users", "create-admin", "--username", "root", "--email", "Root@Example.org", "--password-stdin"]
    result = runner.invoke(cli, args, input="a long admin password\n")
    assert result.exit_code == 0, result.output
    assert "created administrator root <root@example.org>" in result.output
    log_in(client, "root", "a long admin password")
    assert client.get("/curate").status_code == 200  # an administrator is a curator
    again = runner.invoke(cli, args, input="a long admin password\n")
    assert again.exit_code == 1 and "The username root is taken" in again.output
    weak = runner.invoke(
        cli,
        ["users", "create-admin", "--username", "x", "--email", "x@example.org", "--password-stdin"],
        input="short\n",
    )
    assert weak.exit_code == 1 and "at least 8 characters" in weak.output


def test_set_role(env_settings: Settings, db: Database) -> None:
    make_user(db, "ada")
    result = runner.invoke(cli, ["users", "set-role", "ada", "curator"])
    assert result.exit_code == 0 and "ada is now curator" in result.output
    with db.read() as session:
        user = user_by_username(session, "ada")
        assert user is not None and user.is_curator
    assert runner.invoke(cli, ["users", "set-role", "nobody", "curator"]).exit_code == 1
    assert runner.invoke(cli, ["users", "set-role", "ada", "emperor"]).exit_code == 2
