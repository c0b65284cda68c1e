"""Password hashing (argon2id via argon2-cffi, its RFC 9106 low-memory profile) and the password rules."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# NIST SP 800-63B: at least 8 characters, no composition rules; a cap keeps hashing cost bounded.
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 256

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified when no account matches, so an unknown login costs the same time as a wrong password. Made on
    first use, not at import: every CLI command imports this module, and one argon2 hash costs tens of ms."""
    return _hasher.hash("dailypapers-timing-equaliser")


class WeakPassword(ValueError):
    pass


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN_CHARS:
        raise WeakPassword(f"Choose a password of at least {PASSWORD_MIN_CHARS} characters.")
    if len(password) > PASSWORD_MAX_CHARS:
        raise WeakPassword(f"Choose a password of at most {PASSWORD_MAX_CHARS} characters.")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an absent hash still spends one verification (no timing oracle)."""
    if len(password) > PASSWORD_MAX_CHARS:
        return False
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
