"""the database itself refuses to change or delete analyses, verdicts, spec versions and
audit events (triggers), whatever client writes to it

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 13:45:00

The ORM already refuses (``semscan.lots.models``); these triggers also stop a bulk
``UPDATE``, a script or a SQL shell. On PostgreSQL the roles of the README narrow writes
further (QA may only insert).
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

#: The append-only tables.
TABLES = ("analysis", "verdict", "spec_version", "audit_event")
MESSAGE = ("semscan lots: {table} rows are immutable (the audit trail relies on them); "
           "attach a new analysis or add a new verdict instead")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION semscan_lots_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE.format(table='%')}', TG_TABLE_NAME "
            "USING ERRCODE = 'restrict_violation'; END $$")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION semscan_lots_immutable()")
        return
    for table in TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.format(table=table)}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        op.execute("DROP FUNCTION semscan_lots_immutable()")
        return
    for table in TABLES:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{action}")
