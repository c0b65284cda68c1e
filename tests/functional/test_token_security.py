"""Signed links and tokens through HTTP: what each one may do, how often, and what a password reset ends.

- A confirmation link is no login: its GET changes nothing, its POST needs the password and a CSRF token, and it
  works once and never after a password change.
- A reset ends every login and every API token.
- Sign-up answers the same page for a new account, a known address and a taken username.
- Bearer tokens of other services (huggingface_hub sends HF_TOKEN everywhere) are anonymous, ours are checked.
"""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from sqlalchemy import select

from dailypapers.accounts.models import ApiToken, User
from dailypapers.db import Database
from tests.factories import PASSWORD, api_token, csrf_from, load_days, make_user
from tests.functional.test_accounts import link_in, mails, sign_up

NEW_PASSWORD = "a brand new password"


def confirm_form(client: TestClient, link: str) -> dict[str, str]:
    """The confirmation page's form fields (without the password)."""
    page = client.get(link)
    assert page.status_code == 200, page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token, page.text
    return {"token": token.group(1), "csrf_token": csrf_from(page.text)}


def reset_password(client: TestClient, caplog: pytest.LogCaptureFixture, email: str, password: str) -> None:
    token = csrf_from(client.get("/reset/request").text)
    assert client.post("/reset/request", data={"email": email, "csrf_token": token}).status_code == 200
    link = link_in(mails(caplog)[-1], "/reset")
    page = client.get(link)
    data = {"token": link.split("token=", 1)[1], "password": password, "csrf_token": csrf_from(page.text)}
    assert client.post("/reset", data=data, follow_redirects=False).status_code == 303


def verified(db: Database, username: str) -> bool:
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return user.email_verified_at is not None


def test_a_confirmation_link_is_not_a_login(app: FastAPI, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    with TestClient(app) as client:
        sign_up(client, "ada", "ada@example.org")
        link = link_in(mails(caplog)[0], "/confirm")
        # Following the link (as a mail scanner does, any number of times) neither logs in nor confirms.
        for _ in range(2):
            page = client.get(link, follow_redirects=False)
            assert page.status_code == 200 and "Enter the password of <strong>ada</strong>" in page.text
            assert "dp_session" not in page.headers.get("set-cookie", "")
        assert client.get("/settings", follow_redirects=False).status_code == 303
        assert not verified(db, "ada")
        form = confirm_form(client, link)
        wrong = client.post("/confirm", data={**form, "password": "not the password"}, follow_redirects=False)
        assert wrong.status_code == 400 and "not the password of this account" in wrong.text
        assert "dp_session" not in wrong.headers.get("set-cookie", "") and not verified(db, "ada")
        done = client.post("/confirm", data={**form, "password": PASSWORD}, follow_redirects=False)
        assert done.status_code == 303 and "dp_session=" in done.headers["set-cookie"]
        assert verified(db, "ada") and client.get("/settings").status_code == 200
    # Once used, the link is dead: for a GET and for the POST with the right password, in any browser.
    with TestClient(app) as later:
        replayed = later.get(link)
        assert replayed.status_code == 400 and "used already" in replayed.text
        data = {"token": form["token"], "password": PASSWORD, "csrf_token": csrf_from(later.get("/login").text)}
        again = later.post("/confirm", data=data, follow_redirects=False)
        assert again.status_code == 400 and "dp_session" not in again.headers.get("set-cookie", "")


def test_a_confirmation_link_dies_with_a_password_reset(
    app: FastAPI, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    with TestClient(app) as client:
        sign_up(client, "ada", "ada@example.org")
        link = link_in(mails(caplog)[0], "/confirm")
        form = confirm_form(client, link)
        reset_password(client, caplog, "ada@example.org", NEW_PASSWORD)
    with TestClient(app) as other:
        assert other.get(link).status_code == 400
        data = {"token": form["token"], "password": NEW_PASSWORD, "csrf_token": csrf_from(other.get("/login").text)}
        refused = other.post("/confirm", data=data, follow_redirects=False)
        assert refused.status_code == 400 and "password has changed" in refused.text
        assert "dp_session" not in refused.headers.get("set-cookie", "")


def test_confirming_needs_this_browsers_csrf_token(
    app: FastAPI, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Login CSRF: a page of the attacker's cannot make a victim's browser confirm (and log into) the attacker's
    account, even with the attacker's own link and password."""
    caplog.set_level(logging.WARNING, "dailypapers.email")
    with TestClient(app) as attacker, TestClient(app) as victim:
        sign_up(attacker, "mallory", "mallory@example.org")
        form = confirm_form(attacker, link_in(mails(caplog)[0], "/confirm"))
        victim.get("/")  # any visit: the victim's browser has its own cookies
        for csrf in [None, form["csrf_token"]]:
            data = {"token": form["token"], "password": PASSWORD} | ({"csrf_token": csrf} if csrf else {})
            forged = victim.post("/confirm", data=data, follow_redirects=False)
            assert forged.status_code == 403, forged.text
            assert "dp_session" not in victim.cookies
    assert not verified(db, "mallory")


def test_a_reset_ends_api_tokens_too(client: TestClient, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    ada, grace = make_user(db, "ada"), make_user(db, "grace")
    token, other = api_token(db, ada), api_token(db, grace)
    assert client.get("/api/whoami-v2", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    reset_password(client, caplog, "ada@example.org", NEW_PASSWORD)
    refused = client.get("/api/whoami-v2", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and "not valid" in refused.json()["error"]
    # Only the reset account's tokens: another member's keeps working.
    assert client.get("/api/whoami-v2", headers={"Authorization": f"Bearer {other}"}).json()["name"] == "grace"
    with db.read() as session:
        assert [t.user_id for t in session.scalars(select(ApiToken))] == [grace.id]


# Same length, so even Content-Length matches: the three answers may differ only in the echoed address.
TAKEN_NAME_NEW_ADDRESS = ("grace", "newbe@example.org")
FREE_NAME_KNOWN_ADDRESS = ("grace2", "grace@example.org")
FREE_NAME_NEW_ADDRESS = ("fresh", "fresh@example.org")


def test_signup_answers_the_same_for_a_taken_username(
    app: FastAPI, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    make_user(db, "grace")
    answers = []
    for username, address in [TAKEN_NAME_NEW_ADDRESS, FREE_NAME_KNOWN_ADDRESS, FREE_NAME_NEW_ADDRESS]:
        with TestClient(app) as client:
            token = csrf_from(client.get("/signup").text)
            data = {"username": username, "email": address, "password": PASSWORD, "csrf_token": token}
            response = client.post("/signup", data=data)
        # Date and the request id differ on every answer, by design; nothing else may.
        headers = {k: v for k, v in response.headers.items() if k not in {"date", "x-request-id"}}
        answers.append((response.status_code, headers, response.content.replace(address.encode(), b"ADDRESS")))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200 and b"Check your inbox" in answers[0][2]
    # Only each mailbox learns what happened.
    taken, known, created = mails(caplog)
    assert "To: newbe@example.org" in taken and "the username grace." in taken and "belongs to someone else" in taken
    assert "/signup" in taken and "token=" not in taken
    assert "To: grace@example.org" in known and "already has an account" in known
    assert "To: fresh@example.org" in created and "/confirm?token=" in created
    with db.read() as session:
        assert session.scalar(select(User).where(User.email == "newbe@example.org")) is None


def test_foreign_bearer_tokens_are_anonymous(client: TestClient, db: Database) -> None:
    load_days(db)
    anonymous = client.get("/api/daily_papers", params={"date": "2025-10-29"})
    hf = client.get("/api/daily_papers", params={"date": "2025-10-29"}, headers={"Authorization": "Bearer hf_xxx"})
    assert hf.status_code == 200 and hf.json() == anonymous.json()
    # A route that needs a login answers a foreign token as it answers no token.
    none = client.get("/api/whoami-v2")
    foreign = client.get("/api/whoami-v2", headers={"Authorization": "Bearer hf_xxx"})
    assert foreign.status_code == none.status_code == 401 and foreign.json() == none.json()
    assert foreign.headers["www-authenticate"] == "Bearer"
    # One of ours that does not match is refused: its owner must hear that it failed.
    for bad in ["dp_wrong", "dp_"]:
        refused = client.get("/api/daily_papers", headers={"Authorization": f"Bearer {bad}"})
        assert refused.status_code == 401 and "not valid" in refused.json()["error"]


def test_huggingface_hub_with_hf_token_set(db: Database, live_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_TOKEN", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
    load_days(db)
    from_env = HfApi(endpoint=live_server)  # token=None: the client sends HF_TOKEN
    papers = list(from_env.list_daily_papers(date="2025-10-29", limit=100))
    assert papers and from_env.paper_info(papers[0].id).id == papers[0].id
    explicit = HfApi(endpoint=live_server, token="hf_xxx")
    assert {p.id for p in explicit.list_daily_papers(date="2025-10-29", limit=100)} == {p.id for p in papers}
    with pytest.raises(HfHubHTTPError) as info:
        explicit.whoami()
    assert info.value.response is not None and info.value.response.status_code == 401
    ada = make_user(db, "ada")
    assert HfApi(endpoint=live_server, token=api_token(db, ada)).whoami()["name"] == "ada"
