"""Fitted interest models, one per user and embedding model, refitted when the user's signals change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime, utcnow


class InterestModelRow(Base):
    __tablename__ = "interest_models"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200))  # the embedder whose vectors it scores
    # SHA-256 of the signals it was fitted on: the refit job compares it with the current signals.
    signals: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    weights: Mapped[bytes] = mapped_column(LargeBinary)  # float32 (clusters, dim)
    biases: Mapped[bytes] = mapped_column(LargeBinary)  # float32 (clusters,)
    positives: Mapped[int] = mapped_column(Integer)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
