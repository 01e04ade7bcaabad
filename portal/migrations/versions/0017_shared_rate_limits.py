"""shared rate limits across processes

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-21
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_bucket",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        "ix_rate_limit_bucket_updated_at", "rate_limit_bucket", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rate_limit_bucket_updated_at", table_name="rate_limit_bucket")
    op.drop_table("rate_limit_bucket")
