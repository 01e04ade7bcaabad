"""officer decisions, supplement requests, notes and message threads

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "petition_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"]),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("petition_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petition_decision_officer_id"), ["officer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_petition_decision_petition_id"), ["petition_id"], unique=False
        )

    op.create_table(
        "supplement_request",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("petition_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"]),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("supplement_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplement_request_petition_id"), ["petition_id"], unique=False
        )

    op.create_table(
        "petition_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"]),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("petition_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petition_note_petition_id"), ["petition_id"], unique=False
        )

    op.create_table(
        "petition_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("petition_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petition_message_petition_id"), ["petition_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("petition_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_message_petition_id"))
    op.drop_table("petition_message")

    with op.batch_alter_table("petition_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_note_petition_id"))
    op.drop_table("petition_note")

    with op.batch_alter_table("supplement_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplement_request_petition_id"))
    op.drop_table("supplement_request")

    with op.batch_alter_table("petition_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_decision_petition_id"))
        batch_op.drop_index(batch_op.f("ix_petition_decision_officer_id"))
    op.drop_table("petition_decision")
