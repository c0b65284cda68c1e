"""search: papers.author_names, paper_vectors, and the keyword index (FTS5 on SQLite, tsvector on PostgreSQL)

The keyword index lives outside the SQLAlchemy models (a virtual table and triggers on SQLite, a generated
column and GIN indexes on PostgreSQL); ``dailypapers.migrations.KEYWORD_INDEX_NAMES`` lists what autogenerate
must ignore.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dailypapers.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    # External-content FTS5 over papers: title > authors > abstract is weighted at query time (bm25 weights).
    """CREATE VIRTUAL TABLE papers_fts USING fts5(
        title, author_names, abstract,
        content='papers', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
        INSERT INTO papers_fts(rowid, title, author_names, abstract)
        VALUES (new.id, new.title, new.author_names, new.abstract);
    END""",
    """CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title, author_names, abstract)
        VALUES ('delete', old.id, old.title, old.author_names, old.abstract);
    END""",
    # Only text changes touch the index: vote counts and trending scores change far more often.
    """CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, author_names, abstract ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title, author_names, abstract)
        VALUES ('delete', old.id, old.title, old.author_names, old.abstract);
        INSERT INTO papers_fts(rowid, title, author_names, abstract)
        VALUES (new.id, new.title, new.author_names, new.abstract);
    END""",
    "CREATE VIRTUAL TABLE papers_fts_vocab USING fts5vocab(papers_fts, 'row')",
    "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TABLE IF EXISTS papers_fts_vocab",
    "DROP TRIGGER IF EXISTS papers_fts_update",
    "DROP TRIGGER IF EXISTS papers_fts_delete",
    "DROP TRIGGER IF EXISTS papers_fts_insert",
    "DROP TABLE IF EXISTS papers_fts",
]
POSTGRES_UP = [
    """ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(author_names, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(abstract, '')), 'C')) STORED""",
    "CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_papers_title_trgm ON papers USING gin (lower(title) gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_papers_title_trgm",
    "DROP INDEX IF EXISTS ix_papers_search_vector",
    "ALTER TABLE papers DROP COLUMN IF EXISTS search_vector",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_names", sa.Text(), nullable=False, server_default=""))
    if dialect == "postgresql":
        op.execute(
            """UPDATE papers SET author_names = coalesce((
                SELECT string_agg(a.name, ', ' ORDER BY pa.position)
                FROM paper_authors pa JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = papers.id), '')"""
        )
    else:
        op.execute(
            """UPDATE papers SET author_names = coalesce((
                SELECT group_concat(name, ', ') FROM (
                    SELECT a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
                    WHERE pa.paper_id = papers.id ORDER BY pa.position)), '')"""
        )
    op.create_table(
        "paper_vectors",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", dailypapers.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_paper_vectors_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("paper_id", "model", name=op.f("pk_paper_vectors")),
    )
    with op.batch_alter_table("paper_vectors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_vectors_created_at"), ["created_at"], unique=False)
    for statement in POSTGRES_UP if dialect == "postgresql" else SQLITE_UP:
        op.execute(statement)
    # Exact-title matches are pinned first in search results.
    op.execute("CREATE INDEX ix_papers_title_lower ON papers (lower(title))")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP INDEX IF EXISTS ix_papers_title_lower")
    for statement in POSTGRES_DOWN if dialect == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    with op.batch_alter_table("paper_vectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_vectors_created_at"))
    op.drop_table("paper_vectors")
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.drop_column("author_names")
