"""Daily entries carry their origin: hf, submitted, curated or community

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:40:00.000000

Every entry so far came from a Hugging Face import or a local submission. Submitters with a password are local
accounts (imported Hugging Face submitters have no login), so their entries were submitted here: by a curator
(curated) or by a member (submitted). The rest came from Hugging Face.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("daily_entries", sa.Column("origin", sa.String(length=16), server_default="hf", nullable=False))
    op.execute(
        "UPDATE daily_entries SET origin = CASE WHEN users.role IN ('curator', 'admin') THEN 'curated' "
        "ELSE 'submitted' END FROM users WHERE users.id = daily_entries.submitted_by_id "
        "AND users.password_hash IS NOT NULL"
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would fire the foreign keys' ON DELETE actions.
    op.drop_column("daily_entries", "origin")
