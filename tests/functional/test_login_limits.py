"""Log-in limits through HTTP: one budget per account (its username and e-mail together), strangers spending it
do not lock the owner out, nothing about it shows, and X-Forwarded-For counts only from trusted proxies."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.web.security import DEVICE_COOKIE
from tests.factories import PASSWORD, csrf_from, make_user, tampered
from tests.functional.test_accounts import link_in, mails

NEW_PASSWORD = "a brand new password"
TRIES_PER_MINUTE = 3


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings.model_copy(update={"rate_limit_login": f"{TRIES_PER_MINUTE}/minute"}), db)


def attempt(client: TestClient, login: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/login").text)
    data = {"login": login, "password": password, "csrf_token": token}
    return client.post("/login", data=data, follow_redirects=False)


def stranger(app: FastAPI, number: int) -> TestClient:
    """A browser of its own at an address of its own, so only the account's budget is shared."""
    return TestClient(app, client=(f"198.51.100.{number}", 40000))


def from_strangers(app: FastAPI, first: int, login: str, password: str, count: int) -> list[int]:
    statuses = []
    for number in range(first, first + count):
        with stranger(app, number) as client:
            statuses.append(attempt(client, login, password).status_code)
    return statuses


def test_username_and_email_share_one_budget_and_it_does_not_show(app: FastAPI, db: Database) -> None:
    make_user(db, "ada")
    assert from_strangers(app, 1, "ada", "wrong password", TRIES_PER_MINUTE) == [400] * TRIES_PER_MINUTE
    # The budget is the account's: its e-mail, even with the right password, is not heard any more.
    with stranger(app, 10) as client:
        by_email = attempt(client, "ADA@example.org", PASSWORD)
    assert by_email.status_code == 400 and "dp_session" not in by_email.headers.get("set-cookie", "")
    # And that looks exactly like a wrong password for an address with no account: the limit reveals neither
    # that the account is under attack nor which e-mail belongs to the username.
    with stranger(app, 11) as client:
        unknown = attempt(client, "nobody@example.org", "wrong password")
    assert by_email.status_code == unknown.status_code
    assert page_of(by_email, "ADA@example.org") == page_of(unknown, "nobody@example.org")


def page_of(response: httpx.Response, login: str) -> str:
    """The answer less the echoed login and the browser's own CSRF token."""
    # The CSRF token first: it is hex, and a login such as "ada" could be part of it.
    return re.sub(r'value="[0-9a-f]{64}"', 'value="CSRF"', response.text).replace(login, "LOGIN")


def test_strangers_do_not_lock_the_owner_out(app: FastAPI, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", "dailypapers.email")
    make_user(db, "ada")
    with stranger(app, 1) as owner:
        assert attempt(owner, "ada", PASSWORD).status_code == 303
        assert owner.cookies.get(DEVICE_COOKIE)
        owner.post("/logout", data={"csrf_token": csrf_from(owner.get("/settings").text)})
        assert owner.cookies.get(DEVICE_COOKIE)  # log-out ends the login, not the browser's standing
        # Strangers use up the account's budget...
        assert 400 in from_strangers(app, 20, "ada", "wrong password", TRIES_PER_MINUTE)
        with stranger(app, 30) as thief:
            assert attempt(thief, "ada", PASSWORD).status_code == 400  # ...so even the password is not heard
            thief.cookies.set(DEVICE_COOKIE, tampered(owner.cookies[DEVICE_COOKIE]), path="/login")
            assert attempt(thief, "ada", PASSWORD).status_code == 400  # a forged cookie does not help
        # ...but the owner's browser still gets in.
        assert attempt(owner, "ada", PASSWORD).status_code == 303
        owner.post("/logout", data={"csrf_token": csrf_from(owner.get("/settings").text)})

        # A reset (which never needs the log-in budget) forgets the browsers remembered under the old password.
        with stranger(app, 40) as resetter:
            token = csrf_from(resetter.get("/reset/request").text)
            resetter.post("/reset/request", data={"email": "ada@example.org", "csrf_token": token})
            link = link_in(mails(caplog)[-1], "/reset")
            page = resetter.get(link)
            data = {"token": link.split("token=", 1)[1], "password": NEW_PASSWORD, "csrf_token": csrf_from(page.text)}
            assert resetter.post("/reset", data=data, follow_redirects=False).status_code == 303
            resetter.post("/logout", data={"csrf_token": csrf_from(resetter.get("/settings").text)})
            assert attempt(owner, "ada", NEW_PASSWORD).status_code == 400
            assert attempt(resetter, "ada", NEW_PASSWORD).status_code == 303
        # A remembered browser still has its address's budget: three tries a minute from there, then a 429.
        limited = attempt(owner, "ada", NEW_PASSWORD)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_trusted_proxies_setting_is_checked() -> None:
    assert Settings(trusted_proxies=" 127.0.0.1, 10.1.2.3/8 ,::1/128").trusted_proxies == "127.0.0.1,10.0.0.0/8,::1"
    with pytest.raises(ValidationError, match="not an IP address or CIDR network"):
        Settings(trusted_proxies="127.0.0.1,proxy.local")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(tmp_path: Path, **env: str) -> Iterator[str]:
    """`dailypapers serve` in a process of its own (SQLite in tmp_path), as an operator runs it."""
    environment = {
        **os.environ,
        "DAILYPAPERS_DATA_DIR": str(tmp_path),
        "DAILYPAPERS_SCHEDULER": "false",
        "DAILYPAPERS_RATE_LIMIT_LOGIN": "2/minute",
        **env,
    }
    environment.pop("DAILYPAPERS_DATABASE_URL", None)
    port = _free_port()
    command = [sys.executable, "-m", "dailypapers", "serve", "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def login_statuses(url: str, forwarded_for: list[str]) -> list[int]:
    """One wrong log-in per entry, each claiming that address, each for a different unknown name (so only the
    per-address budget can refuse)."""
    statuses = []
    with httpx.Client(base_url=url, timeout=10) as client:
        token = csrf_from(client.get("/login").text)
        for number, address in enumerate(forwarded_for):
            data = {"login": f"nobody{number}", "password": "wrong password", "csrf_token": token}
            statuses.append(client.post("/login", data=data, headers={"X-Forwarded-For": address}).status_code)
    return statuses


def test_forwarded_for_counts_only_from_trusted_proxies(tmp_path: Path) -> None:
    claimed = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    # No trusted proxy (the default): the header is ignored, even with uvicorn's own FORWARDED_ALLOW_IPS=*,
    # so every try counts against the real peer (127.0.0.1) and the third is refused.
    with served(tmp_path / "untrusted", FORWARDED_ALLOW_IPS="*") as url:
        assert login_statuses(url, claimed) == [400, 400, 429]
    # Behind a trusted proxy on loopback, each forwarded address has its own budget.
    with served(tmp_path / "trusted", DAILYPAPERS_TRUSTED_PROXIES="127.0.0.1") as url:
        assert login_statuses(url, [*claimed, claimed[0], claimed[0]]) == [400, 400, 400, 400, 429]
