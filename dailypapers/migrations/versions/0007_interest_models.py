"""Personal feed: fitted interest models per user, and the categories a user follows (cold start)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:39:39.517745
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dailypapers.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interest_models",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("signals", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("weights", sa.LargeBinary(), nullable=False),
        sa.Column("biases", sa.LargeBinary(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column("fitted_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_interest_models_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_interest_models")),
    )
    op.add_column("users", sa.Column("interest_categories", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    op.drop_column("users", "interest_categories")

    op.drop_table("interest_models")
