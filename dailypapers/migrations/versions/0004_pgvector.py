"""pgvector on PostgreSQL: paper_vectors.embedding and an HNSW index for the bundled model

Only when the server offers the ``vector`` extension (``scripts/ensure_pgvector.sh`` builds it for the local
server); otherwise nothing changes and vector search keeps using the in-memory index. SQLite: nothing to do.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The bundled model; HNSW needs a fixed dimension, so each model gets its own partial index.
BUNDLED_MODEL = "all-MiniLM-L6-v2-onnx-int8"
BUNDLED_DIM = 384


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).scalar()
    if not available:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute("ALTER TABLE paper_vectors ADD COLUMN embedding vector")
    op.execute(
        f"CREATE INDEX ix_paper_vectors_hnsw_minilm ON paper_vectors USING hnsw "
        f"((embedding::vector({BUNDLED_DIM})) vector_cosine_ops) WHERE model = '{BUNDLED_MODEL}'"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_paper_vectors_hnsw_minilm")
    op.execute("ALTER TABLE paper_vectors DROP COLUMN IF EXISTS embedding")
