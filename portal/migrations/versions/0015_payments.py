"""payments: PromptPay payments, callbacks, fee exemptions, receipts

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-21
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fee_exemption_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_id", sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("national_id", "category", name="uq_fee_exemption_grant"),
    )
    with op.batch_alter_table("fee_exemption_grant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fee_exemption_grant_national_id"), ["national_id"], unique=False
        )

    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("service_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("amount_satang", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("exemption", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("ref1", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("ref2", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("biller_id", sqlmodel.sql.sqltypes.AutoString(length=15), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("provider_txn_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("payer_display", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("receipt_document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizen.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.ForeignKeyConstraint(["receipt_document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref2"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_document_id"), ["document_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_payment_ref1"), ["ref1"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_status"), ["status"], unique=False)

    op.create_table(
        "payment_callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("txn_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("body_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("raw_ref1", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("raw_ref2", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("raw_amount", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "txn_id", name="uq_payment_callback_txn"),
    )
    with op.batch_alter_table("payment_callback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_callback_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_callback_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("payment_callback")
    op.drop_table("payment")
    op.drop_table("fee_exemption_grant")
