"""``dailypapers users``: administrators and roles, for operators."""

from __future__ import annotations

import sys

import typer

from dailypapers.accounts import services
from dailypapers.accounts.models import Role
from dailypapers.accounts.passwords import WeakPassword
from dailypapers.cli.common import database, fail, out, say

app = typer.Typer(help="User accounts: create administrators, change roles.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("create-admin")
def create_admin(
    username: str = typer.Option(..., "--username", help="Public username (letters, digits, . - _)."),
    email: str = typer.Option(..., "--email", help="E-mail address; trusted as confirmed."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input (for scripts)."
    ),
) -> None:
    """Create an administrator who can log in at once (asks for the password unless --password-stdin)."""
    db = database()
    password = _read_password(password_stdin)
    try:
        with db.write() as session:
            user = services.create_admin(session, username, email, password)
    except (services.AccountError, WeakPassword) as exc:
        raise fail(str(exc)) from None
    finally:
        db.dispose()
    say(out, f"created administrator {user.username} <{user.email}>")


@app.command("set-role")
def set_role(
    username: str = typer.Argument(..., help="The user's username."),
    role: Role = typer.Argument(..., help="admin, curator or member."),
) -> None:
    """Give a user a role: curators submit any paper, feature and hide entries, hide comments, decide claims."""
    db = database()
    try:
        with db.write() as session:
            user = services.set_role(session, username, role)
    except services.AccountError as exc:
        raise fail(str(exc)) from None
    finally:
        db.dispose()
    say(out, f"{user.username} is now {user.role}")


@app.command("create-token")
def create_token(
    username: str = typer.Argument(..., help="The user the token acts as."),
    name: str = typer.Option(..., "--name", help="What the token is for, shown in the user's Settings."),
    read_only: bool = typer.Option(
        False, "--read-only", help="The token only reads (API GETs, the MCP server's read tools)."
    ),
) -> None:
    """Create a personal API token (for the JSON API, /mcp or DAILYPAPERS_MCP_TOKEN) and print it once."""
    db = database()
    try:
        with db.write() as session:
            user = services.user_by_username(session, username)
            if user is None:
                raise fail(f"there is no user {username}")
            raw = services.create_api_token(session, user, name, read_only=read_only)
    except services.AccountError as exc:
        raise fail(str(exc)) from None
    finally:
        db.dispose()
    say(out, raw)
