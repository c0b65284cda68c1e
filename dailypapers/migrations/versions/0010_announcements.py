"""Papers keep their arXiv announcement: the day listed as new, and the latest day listed as replaced

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:45:00.000000

Existing papers have no recorded announcement (their harvest kept no datestamps): they appear on no "new"
listing, and the next harvest fills the days in for what it fetches.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("papers", sa.Column("announced_on", sa.Date(), nullable=True))
    op.add_column("papers", sa.Column("replaced_on", sa.Date(), nullable=True))
    op.create_index(op.f("ix_papers_announced_on"), "papers", ["announced_on"], unique=False)
    op.create_index(op.f("ix_papers_replaced_on"), "papers", ["replaced_on"], unique=False)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not batch mode: a batch rebuild of papers would drop the keyword index's
    # triggers.
    op.drop_index(op.f("ix_papers_replaced_on"), table_name="papers")
    op.drop_index(op.f("ix_papers_announced_on"), table_name="papers")
    op.drop_column("papers", "replaced_on")
    op.drop_column("papers", "announced_on")
