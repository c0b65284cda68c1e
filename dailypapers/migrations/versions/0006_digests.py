"""Digests: subscriptions and the outbox (one row per subscription and period)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 09:22:56.996212
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dailypapers.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("changed_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("email", name=op.f("uq_subscriptions_email")),
    )
    op.create_index(op.f("ix_subscriptions_status"), "subscriptions", ["status"], unique=False)

    op.create_table(
        "digest_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("paper_ids", sa.JSON(), nullable=False),
        sa.Column("personal_ids", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_digest_outbox_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_outbox")),
        sa.UniqueConstraint("subscription_id", "period", name=op.f("uq_digest_outbox_subscription_id_period")),
    )
    op.create_index("ix_digest_outbox_status_next", "digest_outbox", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_digest_outbox_status_next", table_name="digest_outbox")

    op.drop_table("digest_outbox")
    op.drop_index(op.f("ix_subscriptions_status"), table_name="subscriptions")

    op.drop_table("subscriptions")
