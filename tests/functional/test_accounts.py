"""Accounts through HTTP: sign-up with confirmation, log-in/out, CSRF, password reset, API tokens, rate limits,
and the rule that no answer reveals whether an e-mail address has an account."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import re
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.accounts import services
from dailypapers.accounts.models import ApiToken, User, UserSession
from dailypapers.app import create_app
from dailypapers.config import Settings
from dailypapers.db import Database, utcnow
from dailypapers.jobs.scheduler import run_job
from dailypapers.signing import token_hash
from dailypapers.wiring import all_jobs
from tests.factories import PASSWORD, api_token, csrf_from, form_token, log_in, make_user, tampered


def mails(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The messages the console sender logged, decoded (headers, then the text body)."""
    out = []
    for record in caplog.records:
        if record.name == "dailypapers.email":
            raw = record.getMessage().split("\n", 1)[1]
            message = email.message_from_string(raw, policy=email.policy.default)
            headers = "".join(f"{k}: {v}\n" for k, v in message.items())
            out.append(headers + "\n" + message.get_content())  # type: ignore[attr-defined]
    return out


def link_in(mail: str, path: str) -> str:
    match = re.search(rf"http://testserver({re.escape(path)}\?token=\S+)", mail)
    assert match, mail
    return unquote(match.group(1))


def sign_up(client: TestClient, username: str, email: str, password: str = PASSWORD, fullname: str = "") -> str:
    token = csrf_from(client.get("/signup").text)
    data = {"username": username, "email": email, "password": password, "fullname": fullname, "csrf_token": token}
    response = client.post("/signup", data=data)
    return f"{response.status_code}\n{response.text}"


def test_sign_up_confirm_and_log_in(client: TestClient, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    answer = sign_up(client, "ada", "Ada@Example.org", fullname="Ada Lovelace")
    assert answer.startswith("200") and "Check your inbox" in answer
    [mail] = mails(caplog)
    assert "To: ada@example.org" in mail and "Confirm your" in mail
    # Not confirmed yet: the right password says so (and sends a fresh link), nothing else is revealed.
    token = csrf_from(client.get("/login").text)
    refused = client.post("/login", data={"login": "ada", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 400 and "Confirm your e-mail address first" in refused.text
    # The link opens a form asking for the password; only the POST with it confirms and logs in.
    form = client.get(link_in(mails(caplog)[-1], "/confirm"))
    assert form.status_code == 200 and "dp_session" not in form.headers.get("set-cookie", "")
    token = re.search(r'name="token" value="([^"]+)"', form.text)
    assert token, form.text
    data = {"token": token.group(1), "password": PASSWORD, "csrf_token": csrf_from(form.text)}
    confirmed = client.post("/confirm", data=data, follow_redirects=False)
    assert confirmed.status_code == 303, confirmed.text[-1500:]
    cookie = confirmed.headers["set-cookie"]
    assert "dp_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = client.get("/settings")
    assert home.status_code == 200 and "Ada Lovelace" in home.text
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == "ada")).one()
        assert user.password_hash and user.password_hash.startswith("$argon2id$")
        assert user.email_verified_at is not None


def test_signup_never_reveals_a_known_address(app: FastAPI, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    make_user(db, "grace")
    with TestClient(app) as first, TestClient(app) as second:
        known = sign_up(first, "grace2", "grace@example.org")
        unknown = sign_up(second, "newbie", "newbie@example.org")
    assert known.replace("grace@example.org", "X") == unknown.replace("newbie@example.org", "X")
    known_mail, new_mail = mails(caplog)
    assert "already has an account, with the username grace" in known_mail
    assert "Confirm your e-mail" in new_mail
    with db.read() as session:  # no second account for the known address
        assert session.scalar(select(User).where(User.username == "grace2")) is None


def test_signup_refusals_are_clear(client: TestClient, db: Database) -> None:
    # (A taken username is not refused on the page: see test_token_security.py.)
    assert "at least 8 characters" in sign_up(client, "shorty", "s@example.org", password="short")
    assert "valid e-mail address" in sign_up(client, "mailless", "not-an-address")
    assert "valid e-mail address" in sign_up(client, "crlf", "a@example.org\r\nBcc: victim@example.org")
    assert "Usernames are 1 to 40" in sign_up(client, "<script>", "x@example.org")


def test_login_failures_look_the_same(client: TestClient, db: Database) -> None:
    make_user(db, "ada")
    answers = []
    for login, password in [("ada", "wrong password!"), ("nobody", "wrong password!"), ("nobody@example.org", "x")]:
        token = csrf_from(client.get("/login").text)
        response = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
        # The form's CSRF token is hex and may contain "ada": take it out before the login is.
        page = re.sub(r'value="[0-9a-f]{64}"', 'value="CSRF"', response.text)
        answers.append((response.status_code, page.replace(login, "LOGIN")))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 400 and "do not match" in answers[0][1]


def test_log_in_by_email_and_log_out_ends_the_session(client: TestClient, db: Database) -> None:
    make_user(db, "ada")
    log_in(client, "ADA@example.org")
    cookie = client.cookies.get("dp_session")
    assert cookie and client.get("/settings").status_code == 200
    response = client.post("/logout", data={"csrf_token": form_token(client)}, follow_redirects=False)
    assert response.status_code == 303
    # The old cookie no longer logs anyone in, even if replayed.
    client.cookies.set("dp_session", cookie)
    assert client.get("/settings", follow_redirects=False).headers["location"] == "/login?next=/settings"
    with db.read() as session:
        assert session.scalar(select(UserSession)) is None


def test_login_redirects_only_within_the_site(client: TestClient, db: Database) -> None:
    make_user(db, "ada")
    for target, expected in [("/collections", "/collections"), ("//evil.example", "/"), ("https://evil.example", "/")]:
        client.cookies.clear()
        token = csrf_from(client.get("/login").text)
        data = {"login": "ada", "password": PASSWORD, "csrf_token": token, "next": target}
        assert client.post("/login", data=data, follow_redirects=False).headers["location"] == expected


def test_forms_without_a_valid_csrf_token_are_refused(app: FastAPI, client: TestClient, db: Database) -> None:
    make_user(db, "ada")
    client.get("/login")  # has the anonymous CSRF cookie now
    data = {"login": "ada", "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 403
    assert client.post("/login", data={**data, "csrf_token": "0" * 64}).status_code == 403
    # A token minted for another visitor does not work with this visitor's cookie.
    with TestClient(app) as other:
        foreign = csrf_from(other.get("/login").text)
    assert client.post("/login", data={**data, "csrf_token": foreign}).status_code == 403
    log_in(client, "ada")
    # Logged in: the token is bound to the session, so the anonymous one no longer works either.
    assert client.post("/settings/tokens", data={"name": "x", "csrf_token": foreign}).status_code == 403
    refused = client.post("/logout", data={})
    assert refused.status_code == 403 and "did not come from this site" in refused.text


def test_password_reset(client: TestClient, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    make_user(db, "ada")
    with TestClient(client.app) as other_device:
        log_in(other_device, "ada")
        answers = []
        for email in ["ada@example.org", "nobody@example.org"]:
            token = csrf_from(client.get("/reset/request").text)
            response = client.post("/reset/request", data={"email": email, "csrf_token": token})
            answers.append((response.status_code, response.text.replace(email, "X")))
        assert answers[0] == answers[1]
        [mail] = mails(caplog)  # only the real account gets a mail
        link = link_in(mail, "/reset")
        page = client.get(link)
        assert page.status_code == 200
        reset_token = link.split("token=", 1)[1]
        data = {"token": reset_token, "password": "a brand new password", "csrf_token": csrf_from(page.text)}
        done = client.post("/reset", data=data, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/settings?reset=1"
        # Every other login ended; the new password works, the old does not.
        assert other_device.get("/settings", follow_redirects=False).status_code == 303
        log_in(other_device, "ada", "a brand new password")
        # The link worked once.
        again = client.post("/reset", data={**data, "csrf_token": form_token(client)})
        assert again.status_code == 400 and "used already" in again.text
        forged = client.post("/reset", data={**data, "token": tampered(reset_token), "csrf_token": form_token(client)})
        assert forged.status_code == 400 and "not valid" in forged.text


def test_expired_links_are_refused(settings: Settings, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "dailypapers.email")
    app = create_app(settings.model_copy(update={"confirm_link_hours": -1.0}), db)
    with TestClient(app) as client:
        sign_up(client, "late", "late@example.org")
        response = client.get(link_in(mails(caplog)[0], "/confirm"))
    assert response.status_code == 400 and "expired" in response.text


def test_api_tokens(client: TestClient, db: Database) -> None:
    user = make_user(db, "ada", fullname="Ada Lovelace")
    log_in(client, "ada")
    page = client.post("/settings/tokens", data={"name": "my script", "csrf_token": form_token(client)})
    raw = re.search(r'<code class="token">(dp_[\w-]+)</code>', page.text)
    assert raw, page.text
    token = raw.group(1)
    who = client.get("/api/whoami-v2", headers={"Authorization": f"Bearer {token}"})
    assert who.json() == {
        "type": "user", "id": str(user.id), "name": "ada", "fullname": "Ada Lovelace", "avatarUrl": None,
        "role": "member",
    }  # fmt: skip
    with db.read() as session:
        stored = session.scalars(select(ApiToken)).one()
    assert stored.token_hash != token and token not in stored.prefix + stored.name
    # Cookies do not authenticate the API; a wrong token is a 401, not anonymous.
    assert client.get("/api/whoami-v2").status_code == 401
    bad = client.get("/api/daily_papers", headers={"Authorization": "Bearer dp_wrong"})
    assert bad.status_code == 401 and "not valid" in bad.json()["error"]
    client.post(f"/settings/tokens/{stored.id}/delete", data={"csrf_token": form_token(client)})
    assert client.get("/api/whoami-v2", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert api_token(db, user).startswith("dp_")


def test_login_is_rate_limited(client: TestClient, db: Database) -> None:
    make_user(db, "ada")
    token = csrf_from(client.get("/login").text)
    statuses = [
        client.post("/login", data={"login": "ada", "password": "wrong password", "csrf_token": token}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10
    limited = client.post("/login", data={"login": "ada", "password": PASSWORD, "csrf_token": token})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "Too many attempts" in limited.text


def test_secure_cookies_over_https(settings: Settings, db: Database) -> None:
    make_user(db, "ada")
    app = create_app(settings.model_copy(update={"base_url": "https://papers.example.org"}), db)
    with TestClient(app, base_url="https://testserver") as client:
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login", data={"login": "ada", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
    assert "Secure" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]


def test_pages_needing_a_login_send_visitors_to_it(client: TestClient) -> None:
    for path in ["/settings", "/submit", "/collections"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"
    assert client.get("/curate", follow_redirects=False).status_code == 303


def test_expired_logins_are_deleted_by_the_job(db: Database, settings: Settings) -> None:
    user = make_user(db, "ada")
    with db.write() as session:
        services.start_session(session, settings, user)
        old = services.start_session(session, settings, user)
        login = session.get(UserSession, token_hash(old))
        assert login is not None
        login.expires_at = utcnow() - dt.timedelta(seconds=1)
    [job] = [j for j in all_jobs() if j.name == "expired-logins"]
    assert run_job(job, db, settings).report == "deleted 1 expired logins"
    with db.read() as session:
        assert len(list(session.scalars(select(UserSession)))) == 1
