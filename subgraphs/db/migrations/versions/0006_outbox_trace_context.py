"""outbox trace context: the W3C traceparent/tracestate of the request that wrote each event

The relay publishes a row later, from another process: the row keeps the writer's trace context
so the NATS message can carry it, and the spans of whoever consumes the event link back to the
mutation that caused it. NULL when the writer was not traced.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("traceparent", sa.Text, nullable=True))
    op.add_column("outbox", sa.Column("tracestate", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "tracestate")
    op.drop_column("outbox", "traceparent")
