"""documents: check codes, timestamps, reissue, share links, revoked certificates

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-21
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Documents issued before this revision keep an empty check code (they never printed one)
    # and an empty seal serial; verification treats both as "not recorded".
    op.create_table(
        "revoked_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial_hex", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("revoked_certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revoked_certificate_serial_hex"), ["serial_hex"], unique=True
        )

    op.create_table(
        "share_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("recipient_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_views", sa.Integer(), nullable=True),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("last_viewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizen.id"],
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_link_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_share_link_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_share_link_token_sha256"), ["token_sha256"], unique=True
        )

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "agency_name_th",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "agency_name_en",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "revocation_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "check_code",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "seal_serial",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("timestamped_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("replaces", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("superseded_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_seal_serial"), ["seal_serial"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_seal_serial"))
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("agency_name_en")
        batch_op.drop_column("agency_name_th")
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("replaces")
        batch_op.drop_column("timestamped_at")
        batch_op.drop_column("seal_serial")
        batch_op.drop_column("valid_until")
        batch_op.drop_column("check_code")
        batch_op.drop_column("revocation_reason")

    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_link_token_sha256"))
        batch_op.drop_index(batch_op.f("ix_share_link_document_id"))
        batch_op.drop_index(batch_op.f("ix_share_link_citizen_id"))

    op.drop_table("share_link")
    with op.batch_alter_table("revoked_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_certificate_serial_hex"))

    op.drop_table("revoked_certificate")
