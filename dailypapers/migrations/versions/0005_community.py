"""Community: logins, API tokens, votes, comments, authorship claims, collections, dismissals

Also: curators' featured/hidden flags on daily entries, and when a paper's GitHub star count was read
(trending uses star velocity). Only additive changes: no table is rebuilt on SQLite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 08:32:24.735438
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dailypapers.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)

    op.create_table(
        "author_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name=op.f("fk_author_claims_author_id_authors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_author_claims_decided_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_author_claims_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_author_claims_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_author_claims")),
        sa.UniqueConstraint(
            "user_id", "paper_id", "author_id", name=op.f("uq_author_claims_user_id_paper_id_author_id")
        ),
    )
    op.create_index(op.f("ix_author_claims_author_id"), "author_claims", ["author_id"], unique=False)
    op.create_index(op.f("ix_author_claims_paper_id"), "author_claims", ["paper_id"], unique=False)
    op.create_index("ix_author_claims_status", "author_claims", ["status"], unique=False)

    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_collections_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_collections_user_id_name")),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"], ["users.id"], name=op.f("fk_comments_hidden_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_comments_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comments.id"], name=op.f("fk_comments_parent_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_comments_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_paper_created", "comments", ["paper_id", "created_at"], unique=False)
    op.create_index(op.f("ix_comments_parent_id"), "comments", ["parent_id"], unique=False)
    op.create_index(op.f("ix_comments_user_id"), "comments", ["user_id"], unique=False)

    op.create_table(
        "dismissals",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_dismissals_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_dismissals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "paper_id", name=op.f("pk_dismissals")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
    )
    op.create_index(op.f("ix_user_sessions_expires_at"), "user_sessions", ["expires_at"], unique=False)
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"], unique=False)

    op.create_table(
        "votes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], name=op.f("fk_votes_paper_id_papers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_votes_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "paper_id", name=op.f("pk_votes")),
    )
    op.create_index(op.f("ix_votes_paper_id"), "votes", ["paper_id"], unique=False)

    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("added_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_items_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_collection_items_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("collection_id", "paper_id", name=op.f("pk_collection_items")),
    )
    op.create_index(op.f("ix_collection_items_paper_id"), "collection_items", ["paper_id"], unique=False)

    op.add_column("daily_entries", sa.Column("featured", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("daily_entries", sa.Column("hidden_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True))

    op.add_column("papers", sa.Column("github_stars_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True))

    op.add_column("users", sa.Column("email", sa.String(length=320), nullable=True))
    op.add_column("users", sa.Column("password_hash", sa.String(length=200), nullable=True))
    op.add_column("users", sa.Column("email_verified_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("last_login_at", dailypapers.db.UTCDateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not batch mode: a batch rebuild of papers would drop the FTS triggers,
    # and rebuilding users would fire ON DELETE SET NULL on the rows that reference it.
    op.drop_index("ix_users_email", table_name="users")
    for column in ("last_login_at", "email_verified_at", "password_hash", "email"):
        op.drop_column("users", column)
    op.drop_column("papers", "github_stars_at")
    op.drop_column("daily_entries", "hidden_at")
    op.drop_column("daily_entries", "featured")

    op.drop_index(op.f("ix_collection_items_paper_id"), table_name="collection_items")

    op.drop_table("collection_items")
    op.drop_index(op.f("ix_votes_paper_id"), table_name="votes")

    op.drop_table("votes")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_index(op.f("ix_user_sessions_expires_at"), table_name="user_sessions")

    op.drop_table("user_sessions")
    op.drop_table("dismissals")
    op.drop_index(op.f("ix_comments_user_id"), table_name="comments")
    op.drop_index(op.f("ix_comments_parent_id"), table_name="comments")
    op.drop_index("ix_comments_paper_created", table_name="comments")

    op.drop_table("comments")
    op.drop_table("collections")
    op.drop_index("ix_author_claims_status", table_name="author_claims")
    op.drop_index(op.f("ix_author_claims_paper_id"), table_name="author_claims")
    op.drop_index(op.f("ix_author_claims_author_id"), table_name="author_claims")

    op.drop_table("author_claims")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")

    op.drop_table("api_tokens")
