"""change tracking for offline sync: commit stamps, tombstones, applied pushes

Every transaction that changes a synced table (nations, projects, metric_points) gets one stamp
from `charter_sync_stamp()`: milliseconds since the epoch from the database clock, strictly
greater than every stamp before it. Taking a stamp locks the single `sync_clock` row until the
transaction ends, so such transactions commit one after another in stamp order. A pull that reads
the clock at T in the same snapshot as the rows has therefore seen every row stamped <= T, and no
transaction can later commit a row stamped <= T: a pull never misses a row committed after it.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table -> the column offline clients know its rows by
SYNCED = {"nations": "code", "projects": "id", "metric_points": "sync_id"}

STAMP = """
CREATE FUNCTION charter_sync_stamp() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cached text := current_setting('charter.sync_ms', true);
  stamp bigint;
BEGIN
  IF cached IS NOT NULL AND cached <> '' THEN
    RETURN cached::bigint;  -- one stamp per transaction
  END IF;
  -- The row lock taken here is held until commit: stamping transactions serialise, in stamp order.
  UPDATE sync_clock
     SET last_ms = greatest(last_ms + 1, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)
   WHERE id = 1
  RETURNING last_ms INTO stamp;
  -- Transaction-local: reset at commit or rollback (and with a rolled-back savepoint, like the clock).
  PERFORM set_config('charter.sync_ms', stamp::text, true);
  RETURN stamp;
END $$
"""

TRACK = """
CREATE FUNCTION charter_sync_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.sync_created_ms := charter_sync_stamp();
    NEW.sync_updated_ms := NEW.sync_created_ms;
    RETURN NEW;
  END IF;
  NEW.sync_created_ms := OLD.sync_created_ms;
  NEW.sync_updated_ms := OLD.sync_updated_ms;
  -- An update that changes nothing (a re-seed, a repeated push) is no change to sync.
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.sync_updated_ms := charter_sync_stamp();
  END IF;
  RETURN NEW;
END $$
"""

TOMBSTONE = """
CREATE FUNCTION charter_sync_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_tombstones (table_name, record_id, created_ms, deleted_ms)
  VALUES (TG_TABLE_NAME, to_jsonb(OLD) ->> TG_ARGV[0], OLD.sync_created_ms, charter_sync_stamp())
  ON CONFLICT (table_name, record_id)
  DO UPDATE SET created_ms = excluded.created_ms, deleted_ms = excluded.deleted_ms;
  RETURN OLD;
END $$
"""

POINT_ID = """
CREATE FUNCTION charter_metric_point_sync_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.sync_id IS NULL THEN
    NEW.sync_id := 'mp-' || NEW.id;
  END IF;
  RETURN NEW;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "sync_clock",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("last_ms", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_sync_clock_one_row"),
    )
    op.execute("INSERT INTO sync_clock (id, last_ms) VALUES (1, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)")
    op.create_table(
        "sync_tombstones",
        sa.Column("table_name", sa.Text, nullable=False),
        sa.Column("record_id", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("deleted_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("table_name", "record_id"),
    )
    op.create_index("ix_sync_tombstones_deleted", "sync_tombstones", ["deleted_ms"])
    op.create_table(
        "sync_pushes",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("applied_ms", sa.BigInteger, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )

    # Rows that exist already were all there at the clock's first stamp.
    for table in SYNCED:
        for column in ("sync_created_ms", "sync_updated_ms"):
            op.add_column(table, sa.Column(column, sa.BigInteger, nullable=True))
        op.execute(f"UPDATE {table} SET (sync_created_ms, sync_updated_ms) = (SELECT last_ms, last_ms FROM sync_clock)")
        for column in ("sync_created_ms", "sync_updated_ms"):
            op.alter_column(table, column, nullable=False)
        op.create_index(f"ix_{table}_sync_updated_ms", table, ["sync_updated_ms"])

    # The lastPulledAt of the push that created a row (pull.py: its pusher's echo is `updated`).
    for table in ("projects", "metric_points"):
        op.add_column(table, sa.Column("sync_pushed_from_ms", sa.BigInteger, nullable=True))

    op.add_column("metric_points", sa.Column("sync_id", sa.String(40), nullable=True))
    op.execute("UPDATE metric_points SET sync_id = 'mp-' || id")
    op.alter_column("metric_points", "sync_id", nullable=False)
    op.create_unique_constraint("metric_points_sync_id_key", "metric_points", ["sync_id"])

    op.drop_constraint("metric_points_project_id_fkey", "metric_points", type_="foreignkey")
    op.create_foreign_key(
        "metric_points_project_id_fkey", "metric_points", "projects", ["project_id"], ["id"], ondelete="CASCADE"
    )

    for ddl in (STAMP, TRACK, TOMBSTONE, POINT_ID):
        op.execute(ddl)
    op.execute(
        "CREATE TRIGGER sync_id BEFORE INSERT ON metric_points FOR EACH ROW EXECUTE FUNCTION charter_metric_point_sync_id()"
    )
    for table, key in SYNCED.items():
        op.execute(f"CREATE TRIGGER sync_track BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION charter_sync_track()")
        op.execute(f"CREATE TRIGGER sync_tombstone AFTER DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION charter_sync_tombstone('{key}')")


def downgrade() -> None:
    for table in SYNCED:
        op.execute(f"DROP TRIGGER sync_track ON {table}")
        op.execute(f"DROP TRIGGER sync_tombstone ON {table}")
    op.execute("DROP TRIGGER sync_id ON metric_points")
    for function in ("charter_metric_point_sync_id", "charter_sync_tombstone", "charter_sync_track", "charter_sync_stamp"):
        op.execute(f"DROP FUNCTION {function}()")
    op.drop_constraint("metric_points_project_id_fkey", "metric_points", type_="foreignkey")
    op.create_foreign_key("metric_points_project_id_fkey", "metric_points", "projects", ["project_id"], ["id"])
    op.drop_constraint("metric_points_sync_id_key", "metric_points", type_="unique")
    op.drop_column("metric_points", "sync_id")
    for table in ("projects", "metric_points"):
        op.drop_column(table, "sync_pushed_from_ms")
    for table in SYNCED:
        op.drop_index(f"ix_{table}_sync_updated_ms", table)
        op.drop_column(table, "sync_updated_ms")
        op.drop_column(table, "sync_created_ms")
    op.drop_table("sync_pushes")
    op.drop_index("ix_sync_tombstones_deleted", "sync_tombstones")
    op.drop_table("sync_tombstones")
    op.drop_table("sync_clock")
