"""room counts kept by triggers (a rooms list's total without counting every room)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same statements as omnimeet.domain.tables_rooms.ROOM_COUNT_DDL at this revision (a migration keeps
# its own copy: later code may change).
_UP = (
    "INSERT INTO room_counts (tenant_id, api, rooms) VALUES (NEW.tenant_id, NEW.api, 1) "
    "ON CONFLICT (tenant_id, api) DO UPDATE SET rooms = room_counts.rooms + 1"
)
_DOWN = "UPDATE room_counts SET rooms = rooms - 1 WHERE tenant_id = OLD.tenant_id AND api = OLD.api"
TRIGGERS = {
    "sqlite": (
        f"CREATE TRIGGER room_counts_insert AFTER INSERT ON rooms BEGIN {_UP}; END",
        f"CREATE TRIGGER room_counts_delete AFTER DELETE ON rooms BEGIN {_DOWN}; END",
        "CREATE TRIGGER room_counts_move AFTER UPDATE OF tenant_id, api ON rooms "
        "WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.api IS NOT NEW.api "
        f"BEGIN {_DOWN}; {_UP}; END",
    ),
    "postgresql": (
        "CREATE FUNCTION room_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_DOWN}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_UP}; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER room_counts_insert_delete AFTER INSERT OR DELETE ON rooms "
        "FOR EACH ROW EXECUTE FUNCTION room_counts_track()",
        "CREATE TRIGGER room_counts_move AFTER UPDATE OF tenant_id, api ON rooms FOR EACH ROW "
        "WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.api IS DISTINCT FROM NEW.api) "
        "EXECUTE FUNCTION room_counts_track()",
    ),
}
DROPS = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS room_counts_insert",
        "DROP TRIGGER IF EXISTS room_counts_delete",
        "DROP TRIGGER IF EXISTS room_counts_move",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS room_counts_insert_delete ON rooms",
        "DROP TRIGGER IF EXISTS room_counts_move ON rooms",
        "DROP FUNCTION IF EXISTS room_counts_track()",
    ),
}


def upgrade() -> None:
    op.create_table(
        "room_counts",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("api", sa.String(length=32), nullable=False),
        sa.Column("rooms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "api", name=op.f("pk_room_counts")),
    )
    op.execute(
        "INSERT INTO room_counts (tenant_id, api, rooms) "
        "SELECT tenant_id, api, COUNT(*) FROM rooms GROUP BY tenant_id, api"
    )
    for statement in TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROPS[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table("room_counts")
