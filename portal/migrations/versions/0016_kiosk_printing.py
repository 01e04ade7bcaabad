"""kiosks: printing, device status, kiosk session steps

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-21
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosk_device", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "print_mode",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                server_default="browser",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("printer_status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("printer_detail", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("status_reported_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("kiosk_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("service_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("petition_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True)
        )
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_kiosk_session_document_id_document", "document", ["document_id"], ["id"]
        )

    op.create_table(
        "kiosk_print",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_session_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("copy", sa.Integer(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("cups_job", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizen.id"]),
        sa.ForeignKeyConstraint(["device_id"], ["kiosk_device.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["kiosk_session_id"], ["kiosk_session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kiosk_print", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosk_print_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_print_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_print_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kiosk_print_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_kiosk_print_kiosk_session_id"), ["kiosk_session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("kiosk_print", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosk_print_kiosk_session_id"))
        batch_op.drop_index(batch_op.f("ix_kiosk_print_document_id"))
        batch_op.drop_index(batch_op.f("ix_kiosk_print_device_id"))
        batch_op.drop_index(batch_op.f("ix_kiosk_print_created_at"))
        batch_op.drop_index(batch_op.f("ix_kiosk_print_citizen_id"))
    op.drop_table("kiosk_print")

    with op.batch_alter_table("kiosk_session", schema=None) as batch_op:
        batch_op.drop_constraint("fk_kiosk_session_document_id_document", type_="foreignkey")
        batch_op.drop_column("last_activity_at")
        batch_op.drop_column("document_id")
        batch_op.drop_column("petition_id")
        batch_op.drop_column("service_code")

    with op.batch_alter_table("kiosk_device", schema=None) as batch_op:
        batch_op.drop_column("status_reported_at")
        batch_op.drop_column("printer_detail")
        batch_op.drop_column("printer_status")
        batch_op.drop_column("print_mode")
