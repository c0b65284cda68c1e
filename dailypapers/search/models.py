"""Paper vectors: one per paper and embedding model, float32 bytes (format in vectors/format.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db import Base, UTCDateTime, utcnow


class PaperVector(Base):
    __tablename__ = "paper_vectors"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # dim little-endian float32, L2-normalised
    # The text the vector was made from changed after this time? Then it is stale (papers.modified_at).
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
