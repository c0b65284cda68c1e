"""Accounts: sign-up with e-mail confirmation, log-in sessions, password reset and API tokens.

No answer here tells a stranger whether an e-mail address has an account: sign-up with a known address and a
reset for an unknown one return the same outcome to the caller as the ordinary case; only the mailbox owner
learns the difference, from the e-mail they receive.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dailypapers import signing
from dailypapers.accounts import passwords
from dailypapers.accounts.models import ApiToken, Role, User, UserSession
from dailypapers.config import Settings
from dailypapers.db import utcnow
from dailypapers.text import clean_line

USERNAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,38}[A-Za-z0-9])?")
EMAIL_MAX_CHARS = 320
FULLNAME_MAX_CHARS = 100
TOKEN_NAME_MAX_CHARS = 100
API_TOKEN_PREFIX = "dp_"  # noqa: S105 (a label, not a secret)


class AccountError(ValueError):
    """A refusal whose message is safe to show to the person who asked."""


class EmailNotConfirmed(AccountError):
    def __init__(self, user: User) -> None:
        super().__init__("Confirm your e-mail address first: we have sent you a new link.")
        self.user = user


def normalize_email(text: str) -> str:
    email = text.strip().lower()
    local, _, domain = email.rpartition("@")
    if (
        len(email) > EMAIL_MAX_CHARS
        or not local
        or "." not in domain
        or any(c.isspace() or unicodedata.category(c) == "Cc" for c in email)
        or any(c in email for c in '<>",;:\\()[]')
    ):
        raise AccountError("Enter a valid e-mail address, like name@example.org.")
    return email


def check_username(username: str) -> str:
    if not USERNAME_RE.fullmatch(username):
        raise AccountError(
            "Usernames are 1 to 40 letters, digits, dots, dashes or underscores, starting and ending with a "
            "letter or digit."
        )
    return username


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


class SignupOutcome(StrEnum):
    created = "created"  # a confirmation link goes to the address
    known_address = "known_address"  # the address has an account: tell its owner, not the visitor
    username_taken = "username_taken"  # a new address asked for a taken name: tell the address, not the visitor


@dataclass(frozen=True, slots=True)
class Signup:
    outcome: SignupOutcome
    email: str  # normalised
    username: str
    user: User | None  # the new or the existing account; None when the username was taken


def sign_up(session: Session, username: str, email: str, password: str, fullname: str = "") -> Signup:
    """Create an unconfirmed account, or tell why not to the mailbox owner only. A taken username with a new
    address is not refused on the page: that answer would differ from the one for a known address (which must
    not be revealed), so it too ends on "check your inbox" and the address learns, by e-mail, to pick another."""
    username = check_username(username.strip())
    email = normalize_email(email)
    # Hashed before looking anything up: every outcome costs one argon2 hash, so timing tells nothing.
    password_hash = passwords.hash_password(password)
    existing = user_by_email(session, email)
    if existing is not None:
        return Signup(SignupOutcome.known_address, email, username, existing)
    if user_by_username(session, username) is not None:
        return Signup(SignupOutcome.username_taken, email, username, None)
    user = User(
        username=username,
        email=email,
        fullname=clean_line(fullname, FULLNAME_MAX_CHARS),
        password_hash=password_hash,
        role=Role.member.value,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        # Someone took the name or the address between our check and the insert.
        existing = user_by_email(session, email)
        if existing is not None:
            return Signup(SignupOutcome.known_address, email, username, existing)
        return Signup(SignupOutcome.username_taken, email, username, None)
    return Signup(SignupOutcome.created, email, username, user)


def _confirm_state(settings: Settings, user: User) -> str:
    """What a confirmation link may change: an unconfirmed address under the current password. Confirming (or a
    password reset, which confirms too) changes it, so a link works once and never after a new password."""
    state = f"{user.email}|{user.email_verified_at is not None}|{user.password_hash}"
    return signing.fingerprint(settings.secret_key, state)


def confirm_token(settings: Settings, user: User) -> str:
    return signing.sign(settings.secret_key, "confirm", {"u": user.id, "s": _confirm_state(settings, user)})


def user_to_confirm(session: Session, settings: Settings, token: str) -> User:
    """The account a confirmation link is for, while the link is good; ``InvalidToken`` otherwise."""
    payload = signing.unsign(settings.secret_key, "confirm", token, settings.confirm_link_hours * 3600)
    user_id = payload.get("u")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or payload.get("s") != _confirm_state(settings, user):
        raise signing.InvalidToken(
            "This link has been used already, or the password has changed since it was sent. Log in with your "
            "password (an unconfirmed account gets a fresh link when it does)."
        )
    return user


def confirm_email(user: User, password: str) -> bool:
    """Confirm the address of a link's account (from ``user_to_confirm``) if ``password`` is the account's, so
    the link alone (which a mail scanner, a forwarded e-mail or a shared screen may hold) never logs anyone
    in. False for a wrong password, which leaves the link usable."""
    if not passwords.verify_password(user.password_hash, password):
        return False
    user.email_verified_at = utcnow()
    user.last_login_at = utcnow()
    return True


def user_for_login(session: Session, login: str) -> User | None:
    """The account a log-in form names, by e-mail (anything with an @) or username."""
    login = login.strip()
    return user_by_email(session, login.lower()) if "@" in login else user_by_username(session, login)


def authenticate(user: User | None, password: str) -> User | None:
    """``user`` if ``password`` is theirs; None otherwise (the same time and answer for an unknown name and a
    wrong password). A right password on an unconfirmed account raises ``EmailNotConfirmed``: only the
    password's owner learns that."""
    if not passwords.verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if user.email_verified_at is None:
        raise EmailNotConfirmed(user)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


def start_session(session: Session, settings: Settings, user: User) -> str:
    """A new login for ``user``; returns the raw token for the cookie. Expired logins of the user go."""
    now = utcnow()
    session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < now))
    raw = signing.random_token()
    session.add(
        UserSession(
            token_hash=signing.token_hash(raw),
            user_id=user.id,
            expires_at=now + dt.timedelta(days=settings.session_days),
        )
    )
    return raw


def user_for_session(session: Session, raw_token: str) -> User | None:
    login = session.get(UserSession, signing.token_hash(raw_token))
    if login is None or login.expires_at <= utcnow():
        return None
    return login.user


def end_session(session: Session, raw_token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == signing.token_hash(raw_token)))


def reset_token(settings: Settings, user: User) -> str:
    return signing.sign(
        settings.secret_key, "reset", {"u": user.id, "p": signing.fingerprint(settings.secret_key, user.password_hash)}
    )


def reset_password(session: Session, settings: Settings, token: str, new_password: str) -> User:
    """Set a new password from a reset link. The link dies with the old password (single use); the address is
    proven, so the account counts as confirmed; every existing login ends, and so does every API token: a reset
    is what an owner does when someone else may know the password, and that someone may have made a token."""
    payload = signing.unsign(settings.secret_key, "reset", token, settings.reset_link_hours * 3600)
    user = session.get(User, payload.get("u"))
    if user is None or payload.get("p") != signing.fingerprint(settings.secret_key, user.password_hash):
        raise signing.InvalidToken("This link has been used already. Ask for a new one.")
    user.password_hash = passwords.hash_password(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return user


def create_api_token(session: Session, user: User, name: str, *, read_only: bool = False) -> str:
    name = clean_line(name, TOKEN_NAME_MAX_CHARS)
    if not name:
        raise AccountError("Give the token a name, such as the script that will use it.")
    raw = signing.random_token(API_TOKEN_PREFIX)
    token = ApiToken(
        user_id=user.id, name=name, token_hash=signing.token_hash(raw), prefix=raw[:8], read_only=read_only
    )
    session.add(token)
    return raw


def api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    session.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))


def api_token_for(session: Session, raw_token: str) -> ApiToken | None:
    """The stored token ``raw_token`` is (its owner loaded), or None when it is not one of ours or was revoked."""
    if not raw_token.startswith(API_TOKEN_PREFIX):
        return None
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == signing.token_hash(raw_token)))


def user_for_api_token(session: Session, raw_token: str) -> User | None:
    token = api_token_for(session, raw_token)
    return token.user if token is not None else None


def create_admin(session: Session, username: str, email: str, password: str) -> User:
    """An administrator, confirmed at once (the operator vouches for the address)."""
    username = check_username(username.strip())
    email = normalize_email(email)
    if user_by_username(session, username) is not None:
        raise AccountError(f"The username {username} is taken.")
    if user_by_email(session, email) is not None:
        raise AccountError(f"An account with {email} exists already; use `dailypapers users set-role` on it.")
    user = User(
        username=username,
        email=email,
        password_hash=passwords.hash_password(password),
        role=Role.admin.value,
        email_verified_at=utcnow(),
    )
    session.add(user)
    return user


def set_role(session: Session, username: str, role: Role) -> User:
    user = user_by_username(session, username)
    if user is None:
        raise AccountError(f"No user {username}.")
    user.role = role.value
    return user


def set_fullname(session: Session, user: User, fullname: str) -> None:
    stored = session.get(User, user.id)
    if stored is not None:
        stored.fullname = clean_line(fullname, FULLNAME_MAX_CHARS)
