"""Users. Minimal for now: the accounts work adds e-mail, password hashes and sessions by migration."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    admin = "admin"
    curator = "curator"
    member = "member"


class User(Base):
    """A person who submits, votes or comments. Imported Hugging Face submitters are users without a login."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    fullname: Mapped[str] = mapped_column(String(200), default="")
    avatar_url: Mapped[str | None] = mapped_column(String(1024))
    role: Mapped[str] = mapped_column(String(20), default=Role.member.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
