"""sync: applied pushes by time, so forgetting those older than 30 days is an index range

Also from this revision on, every pull takes a stamp of its own (subgraphs/sync/pull.py): its
timestamp is unique to it, and `sync_pushed_from_ms` (0002) tells the pusher's own pull exactly.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sync_pushes_applied", "sync_pushes", ["applied_ms"])


def downgrade() -> None:
    op.drop_index("ix_sync_pushes_applied", "sync_pushes")
