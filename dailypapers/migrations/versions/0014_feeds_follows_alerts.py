"""Filters in digests, personal feed keys, follows and saved searches (issue #15 items 1-4)

Revision ID: 0014_feeds
Revises: 0013_work_claims
Create Date: 2026-12-02 15:00:00.000000

subscriptions.filters holds the site's filter vocabulary as a query string; digest_outbox.sections the member's
own digest sections; feed_keys the version each personal feed URL carries; follows what a member follows;
saved_searches the searches a member gets alerts for.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dailypapers.db import UTCDateTime

revision: str = "0014_feeds"
down_revision: str | None = "0013_work_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("filters", sa.Text(), server_default="", nullable=False))
    op.add_column("digest_outbox", sa.Column("sections", sa.JSON(), server_default="[]", nullable=False))
    op.create_table(
        "feed_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rotated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_feed_keys_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_feed_keys")),
    )
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN author_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN category IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_follows_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name=op.f("fk_follows_author_id_authors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["follower_id"], ["users.id"], name=op.f("fk_follows_follower_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint("follower_id", "author_id", name=op.f("uq_follows_follower_id_author_id")),
        sa.UniqueConstraint("follower_id", "category", name=op.f("uq_follows_follower_id_category")),
        sa.UniqueConstraint("follower_id", "user_id", name=op.f("uq_follows_follower_id_user_id")),
    )
    op.create_index(op.f("ix_follows_author_id"), "follows", ["author_id"], unique=False)
    op.create_index(op.f("ix_follows_follower_id"), "follows", ["follower_id"], unique=False)
    op.create_index(op.f("ix_follows_user_id"), "follows", ["user_id"], unique=False)
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("q", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("filters", sa.Text(), server_default="", nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_searches_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_searches_user_id_name")),
    )
    op.create_index(op.f("ix_saved_searches_user_id"), "saved_searches", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_searches_user_id"), table_name="saved_searches")
    op.drop_table("saved_searches")
    op.drop_index(op.f("ix_follows_user_id"), table_name="follows")
    op.drop_index(op.f("ix_follows_follower_id"), table_name="follows")
    op.drop_index(op.f("ix_follows_author_id"), table_name="follows")
    op.drop_table("follows")
    op.drop_table("feed_keys")
    # Plain DROP COLUMN (SQLite 3.35+), as 0010 does: a batch rebuild would drop other tables' triggers.
    op.drop_column("digest_outbox", "sections")
    op.drop_column("subscriptions", "filters")
