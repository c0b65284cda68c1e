"""An index in the order of the newest-first listings (the API's default): entries by submitted_at, paper_id

Revision ID: 0015_listing_speed
Revises: 0014_feeds
Create Date: 2026-12-02 15:10:00.000000

``/api/daily_papers`` without a period sorted every entry to return 50; with this index the query walks the
newest entries in order and stops after one page (issue #14).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_listing_speed"
down_revision: str | None = "0014_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_daily_entries_submitted", "daily_entries", ["submitted_at", "paper_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_daily_entries_submitted", table_name="daily_entries")
