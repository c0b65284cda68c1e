"""Users, their login sessions and personal API tokens.

Imported Hugging Face submitters are users without an e-mail or password: they appear on the feed but cannot
log in until someone with that e-mail signs up (which creates a separate account).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dailypapers.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    admin = "admin"
    curator = "curator"
    member = "member"


class User(Base):
    """A person who submits, votes or comments."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    fullname: Mapped[str] = mapped_column(String(200), default="")
    avatar_url: Mapped[str | None] = mapped_column(String(1024))
    role: Mapped[str] = mapped_column(String(20), default=Role.member.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str | None] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Set when the owner of the address proved it (confirmation link or password reset); login needs it.
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # arXiv categories chosen on /for-you: the personal feed's fallback until enough signals exist.
    interest_categories: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def display_name(self) -> str:
        return self.fullname or self.username

    @property
    def is_curator(self) -> bool:
        return self.role in (Role.admin.value, Role.curator.value)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value


class UserSession(Base):
    """A login. The cookie holds a random token; only its SHA-256 is stored, so a database leak logs no one in."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class ApiToken(Base):
    """A personal token for the JSON API (``Authorization: Bearer dp_…``), stored as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in the token list so an owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A read-only token reads (the API's GETs, the MCP server's read tools) and changes nothing: what an owner
    # hands to an agent or a script that only needs to look. Tokens made before this column can write, as before.
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
