"""Votes kept apart by source: papers.source_upvotes holds what Hugging Face reports, upvotes the total

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:20:00.000000

Until now a sync overwrote ``upvotes`` with Hugging Face's count, erasing local votes. The split takes the stored
count minus the local vote rows as the source's part (floored at 0: where a sync had already overwritten the votes,
nothing of the stored count is theirs), then makes the total that part plus the vote rows again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0008_api_token_read_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# GREATEST is PostgreSQL's; SQLite's two-argument max() is the same function.
_SPLIT = {
    "postgresql": "UPDATE papers SET source_upvotes = GREATEST(upvotes - "
    "(SELECT count(*) FROM votes WHERE votes.paper_id = papers.id), 0)",
    "sqlite": "UPDATE papers SET source_upvotes = max(upvotes - "
    "(SELECT count(*) FROM votes WHERE votes.paper_id = papers.id), 0)",
}
_TOTAL = "UPDATE papers SET upvotes = source_upvotes + (SELECT count(*) FROM votes WHERE votes.paper_id = papers.id)"


def upgrade() -> None:
    op.add_column("papers", sa.Column("source_upvotes", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.execute(_SPLIT[op.get_bind().dialect.name])
    op.execute(_TOTAL)


def downgrade() -> None:
    # upvotes already is the total, which is what the old schema meant by it. Plain DROP COLUMN (SQLite
    # 3.35+), not batch mode: a batch rebuild of papers would drop the keyword index's triggers.
    op.drop_column("papers", "source_upvotes")
