"""nations, projects and metric points

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nations",
        sa.Column("code", sa.String(2), primary_key=True),
        sa.Column("alpha3", sa.String(3), nullable=False, unique=True),
        sa.Column("numeric", sa.String(3), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("official_name", sa.Text, nullable=False),
        sa.Column("un_region", sa.Text, nullable=False),
        sa.Column("un_subregion", sa.Text, nullable=False),
        sa.Column("group_name", sa.Text, nullable=False),
        sa.Column("un_status", sa.Text, nullable=False),
        sa.Column("capital", sa.Text),
        sa.Column("population", sa.BigInteger),
        sa.Column("gdp_usd", sa.BigInteger),
        sa.Column("gdp_source", sa.Text, nullable=False),
        sa.Column("search_names", sa.Text, nullable=False),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sector", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("budget_usd", sa.BigInteger, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("home_region", sa.String(3), nullable=False),
        sa.Column("nation_code", sa.String(2), sa.ForeignKey("nations.code"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_projects_nation", "projects", ["nation_code"])
    op.create_index("ix_projects_region", "projects", ["home_region"])
    op.create_index("ix_projects_status", "projects", ["status"])
    op.create_table(
        "metric_points",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(40), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "kind", "ts", name="uq_metric_point"),
    )


def downgrade() -> None:
    op.drop_table("metric_points")
    op.drop_table("projects")
    op.drop_table("nations")
