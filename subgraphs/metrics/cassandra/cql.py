"""Keyspace `charter_metrics` and its tables.

Time series are partitioned by (project, year): a partition holds one project's points of one
calendar year, so no partition grows without bound, and a range query reads only the years it
covers. `project_years` lists the years a project has points in (one row per year). A nation's
series reads its projects' partitions (the projects of a nation come from Postgres, which owns
them): writing every point a second time, into per-nation partitions, would double the writes
for a read that is rarer than the project's.

The pre-aggregated tables are recomputed from the points, never incremented: a replayed or
re-recorded point rewrites the same rows with the same values (idempotent), which counters or
read-add-write deltas would not be.
  project_year_totals   one row per (project, kind, year): count/sum/min/max of that partition
  group_project_totals  one row per (group, kind, project): the project's totals over all years
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
        project_id text, year int, kind text, ts timestamp, value double, point_id bigint,
        PRIMARY KEY ((project_id, year), kind, ts))""",
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.project_years (
        project_id text, year int, PRIMARY KEY ((project_id), year))""",
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.project_year_totals (
        project_id text, kind text, year int, points bigint, sum double, min double, max double,
        PRIMARY KEY ((project_id), kind, year))""",
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.group_project_totals (
        group_name text, kind text, project_id text, points bigint, sum double, min double, max double,
        PRIMARY KEY ((group_name), kind, project_id))""",
    # Markers of one-off jobs done against this keyspace (the backfill from Postgres).
    f"""CREATE TABLE IF NOT EXISTS {KEYSPACE}.applied_jobs (
        job text PRIMARY KEY, done_at timestamp)""",
]
