"""Keyspace `charter_metrics` and its tables.

Time series are partitioned by (owner, month): a partition holds one project's (or one nation's)
points of one calendar month, so no partition grows without bound, and a range query reads only
the months it covers. `*_months` lists the months an owner has points in (one row per month).

The pre-aggregated tables are recomputed from the points, never incremented: a replayed or
re-recorded point rewrites the same rows with the same values (idempotent), which counters or
read-add-write deltas would not be.
  project_month_totals  one row per (project, kind, month): count/sum/min/max of that partition
  group_project_totals  one row per (group, kind, project): the project's totals over all months
Region stats read one `group_project_totals` partition; global stats read the three.
"""

from __future__ import annotations

from collections.abc import Sequence

from subgraphs.metrics.cassandra.session import KEYSPACE


def keyspace_cql(replication: Sequence[tuple[str, int]]) -> str:
    dcs = ", ".join(f"'{dc}': {n}" for dc, n in replication)
    return (
        f"CREATE KEYSPACE IF NOT EXISTS {KEYSPACE} "
        f"WITH replication = {{'class': 'NetworkTopologyStrategy', {dcs}}}"
    )


TABLES = [
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.points_by_project (
        project_id text, month int, kind text, ts timestamp, value double, point_id bigint,
        PRIMARY KEY ((project_id, month), kind, ts))""",
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.points_by_nation (
        nation_code text, month int, kind text, ts timestamp, project_id text, value double, point_id bigint,
        PRIMARY KEY ((nation_code, month), kind, ts, project_id))""",
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.project_months (
        project_id text, month int, PRIMARY KEY ((project_id), month))""",
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.nation_months (
        nation_code text, month int, PRIMARY KEY ((nation_code), month))""",
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.project_month_totals (
        project_id text, kind text, month int, points bigint, sum double, min double, max double,
        PRIMARY KEY ((project_id), kind, month))""",
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.group_project_totals (
        group_name text, kind text, project_id text, points bigint, sum double, min double, max double,
        PRIMARY KEY ((group_name), kind, project_id))""",
    # Markers of one-off jobs done against this keyspace (the backfill from Postgres).
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.applied_jobs (
        job text PRIMARY KEY, done_at timestamp)""",
]


def month_of(year: int, month: int) -> int:
    return year * 100 + month
