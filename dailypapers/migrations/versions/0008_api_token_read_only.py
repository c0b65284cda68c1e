"""API tokens can be read-only (for agents and scripts that only look: the MCP server's read tools, the API's GETs)

Revision ID: 0008_api_token_read_only
Revises: 0007
Create Date: 2026-12-02 07:30:00.000000

Existing tokens keep writing (server default false): a token that worked yesterday must not stop today.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_api_token_read_only"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("read_only", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    # batch mode: SQLite drops a column by rebuilding the table.
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("read_only")
