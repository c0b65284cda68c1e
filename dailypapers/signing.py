"""Signed, expiring tokens for links in e-mails and cookies (itsdangerous), and random tokens stored only as
hashes. Infrastructure: accounts, digests and the web toolkit sign with it, and it knows none of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(ValueError):
    """A link that is tampered with, expired or already used; the message is safe to show."""


def sign(secret_key: str, purpose: str, payload: dict[str, Any]) -> str:
    return URLSafeTimedSerializer(secret_key, salt=f"dailypapers.{purpose}").dumps(payload)


def unsign(secret_key: str, purpose: str, token: str, max_age_seconds: float) -> dict[str, Any]:
    serializer = URLSafeTimedSerializer(secret_key, salt=f"dailypapers.{purpose}")
    try:
        payload = serializer.loads(token, max_age=int(max_age_seconds))
    except SignatureExpired as exc:
        raise InvalidToken("This link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise InvalidToken(
            "This link is not valid. Copy the whole link from the e-mail, or ask for a new one."
        ) from exc
    if not isinstance(payload, dict):
        raise InvalidToken("This link is not valid.")
    return payload


def random_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def fingerprint(secret_key: str, value: str | None) -> str:
    """A short keyed digest of ``value`` (a password hash): a reset link carries it, so it stops working as
    soon as the password changes (single use) without storing anything."""
    return hmac.new(secret_key.encode(), (value or "").encode(), hashlib.sha256).hexdigest()[:16]
