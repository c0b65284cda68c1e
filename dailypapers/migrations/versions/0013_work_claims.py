"""work claims: disjoint batches of embedding and digest sending across workers

Revision ID: 0013_work_claims
Revises: 0012_enrichment
Create Date: 2026-12-02 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dailypapers.db

revision: str = "0013_work_claims"
down_revision: str | None = "0012_enrichment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_claims",
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "item_id", name=op.f("pk_work_claims")),
    )
    # Who is sending a digest row, so several senders can work at once and a dead one's row is taken back.
    op.add_column("digest_outbox", sa.Column("claimed_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("digest_outbox", "claimed_by")
    op.drop_table("work_claims")
