"""audit events recorded without a lock, sealed into the chain asynchronously

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-21
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# ADR 0007, update of issue 8: `record_event` inserts into `audit_pending`; the sealer links
# committed rows into `audit_event`. Pending rows are never updated; on PostgreSQL only sealed
# ones may be deleted (housekeeping prunes them after a few days; TRUNCATE skips row triggers).
# SQLite keeps DELETE, as for audit_event (the test suite empties tables with it).
PG_FUNCTION = """
CREATE FUNCTION audit_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_event WHERE pending_id = OLD.id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_pending is append-only: % refused (only sealed rows may be deleted)',
        TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""
PG_TRIGGER = """
CREATE TRIGGER audit_pending_guard BEFORE UPDATE OR DELETE ON audit_pending
FOR EACH ROW EXECUTE FUNCTION audit_pending_guard()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER audit_pending_guard BEFORE UPDATE ON audit_pending
BEGIN
    SELECT RAISE(ABORT, 'audit_pending is append-only: UPDATE refused');
END
"""
PENDING_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", PENDING_ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_pending_at", "audit_pending", ["at"], unique=False)
    # A plain ADD COLUMN (no batch copy on SQLite, which would drop audit_event's trigger).
    op.add_column("audit_event", sa.Column("pending_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_audit_event_pending_id", "audit_event", ["pending_id"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_pending_guard ON audit_pending")
        op.execute("DROP FUNCTION IF EXISTS audit_pending_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_pending_guard")
    op.drop_index("ix_audit_event_pending_id", table_name="audit_event")
    # SQLite ≥ 3.35 drops a column in place (no table copy, so audit_event's trigger stays).
    op.drop_column("audit_event", "pending_id")
    op.drop_index("ix_audit_pending_at", table_name="audit_pending")
    op.drop_table("audit_pending")
