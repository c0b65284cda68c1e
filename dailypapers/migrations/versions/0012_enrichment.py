"""Enrichment state per paper, the model behind a generated summary, and each job's last run

Revision ID: 0012_enrichment
Revises: 0011_webhooks
Create Date: 2026-12-02 15:00:00.000000

New tables only, and one nullable column: existing papers are simply not enriched yet (the ``enrich`` job's
backlog), and jobs show "never run" until their next run.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dailypapers.db import UTCDateTime

revision: str = "0012_enrichment"
down_revision: str | None = "0011_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paper_enrichments",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("links_version", sa.Integer(), nullable=True),
        sa.Column("links_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_links", sa.JSON(), nullable=True),
        sa.Column("github_repo", sa.Text(), nullable=True),
        sa.Column("github_etag", sa.String(length=200), nullable=True),
        sa.Column("github_status", sa.String(length=16), nullable=True),
        sa.Column("github_checked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("hf_status", sa.String(length=16), nullable=True),
        sa.Column("hf_checked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("llm_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id"),
    )
    op.create_index(
        op.f("ix_paper_enrichments_github_checked_at"), "paper_enrichments", ["github_checked_at"], unique=False
    )
    op.create_index(op.f("ix_paper_enrichments_llm_at"), "paper_enrichments", ["llm_at"], unique=False)
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("last_run_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        sa.Column("last_report", sa.Text(), nullable=False),
        sa.Column("last_success_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.add_column("papers", sa.Column("ai_summary_model", sa.String(length=200), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not batch mode: a batch rebuild of papers would drop the keyword index's
    # triggers.
    op.drop_column("papers", "ai_summary_model")
    op.drop_table("job_runs")
    op.drop_index(op.f("ix_paper_enrichments_llm_at"), table_name="paper_enrichments")
    op.drop_index(op.f("ix_paper_enrichments_github_checked_at"), table_name="paper_enrichments")
    op.drop_table("paper_enrichments")
