"""metrics_outbox: metric points still to apply to the Cassandra read model

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metrics_outbox",
        sa.Column(
            "point_id", sa.BigInteger, sa.ForeignKey("metric_points.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("metrics_outbox")
