"""A pushed `changes` object, checked without the database: its shape, its tables and columns, and
every value by the rules the API's own mutations apply. Every problem is reported at once, with
the path of the value (e.g. `projects.created[2].budget_usd`); nothing is written if any is found.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from subgraphs.common.enums import ProjectStatus, Sector
from subgraphs.common.errors import InputErrors
from subgraphs.metrics.series import MetricKind
from subgraphs.metrics.validation import check_point
from subgraphs.projects import validation as v
from subgraphs.sync.collections import RAW_COLUMNS

MAX_RECORDS = 5000
# WatermelonDB makes 16-character alphanumeric ids; ours are `prj-<region>-<hex>` and `mp-<n>`.
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")  # whole string: fullmatch
SERVER_ID_PREFIX = {"projects": "prj-", "metric_points": "mp-"}
# WatermelonDB's bookkeeping columns on pushed raw records: not data, ignored.
BOOKKEEPING = frozenset({"_status", "_changed"})
LISTS = ("created", "updated", "deleted")
# The projects validators name fields as the GraphQL input does; a push names raw columns.
_RAW_NAME = {"budgetUsd": "budget_usd", "startDate": "start_date", "endDate": "end_date",
             "homeRegion": "home_region", "nationCode": "nation_id"}
_SQL_COLUMN = {"nation_id": "nation_code"}
PROJECT_REQUIRED = ("name", "sector", "status", "budget_usd", "start_date", "progress", "home_region", "nation_id")
_SECTORS = {s.value for s in Sector}
_STATUSES = {s.value for s in ProjectStatus}
_KINDS = {k.value for k in MetricKind}


@dataclass
class ProjectRecord:
    id: str
    values: dict[str, Any]  # SQL column -> value; only the columns the record carries
    where: str

    @property
    def complete(self) -> bool:
        return all(_SQL_COLUMN.get(c, c) in self.values for c in PROJECT_REQUIRED)


@dataclass
class PointRecord:
    id: str
    project_id: str
    kind: str
    value: float
    ts: dt.datetime
    where: str


@dataclass
class Push:
    projects_created: list[ProjectRecord] = field(default_factory=list)
    projects_updated: list[ProjectRecord] = field(default_factory=list)
    projects_deleted: list[str] = field(default_factory=list)
    points_created: list[PointRecord] = field(default_factory=list)
    points_deleted: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return (len(self.projects_created) + len(self.projects_updated) + len(self.projects_deleted)
                + len(self.points_created) + len(self.points_deleted))


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _date(value: Any, nullable: bool) -> tuple[bool, dt.date | None]:
    """(ok, the date); WatermelonDB holds an empty optional string as null or ''."""
    if nullable and (value is None or value == ""):
        return True, None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return True, dt.date.fromisoformat(value)
        except ValueError:
            pass
    return False, None


def _project_values(errors: InputErrors, where: str, raw: dict[str, Any], complete: bool) -> dict[str, Any]:
    found = InputErrors()  # the projects validators' findings, renamed to raw columns below
    values: dict[str, Any] = {}
    for column in PROJECT_REQUIRED:
        if column not in raw and complete:
            errors.add(f"{where}.{column}", "is required")
    for column, value in raw.items():
        at = f"{where}.{column}"
        if column == "name":
            if isinstance(value, str):
                v.check_name(found, value)
                values["name"] = value.strip()
            else:
                errors.add(at, "must be a string")
        elif column in ("sector", "status"):
            allowed = _SECTORS if column == "sector" else _STATUSES
            if value in allowed:
                values[column] = value
            else:
                errors.add(at, f"must be one of {', '.join(sorted(allowed))}")
        elif column in ("budget_usd", "progress"):
            if not _is_number(value):
                errors.add(at, "must be a finite number")
            elif column == "budget_usd":
                v.check_budget(found, float(value))
                values[column] = round(value)
            else:
                v.check_progress(found, float(value))
                values[column] = float(value)
        elif column in ("start_date", "end_date"):
            nullable = column == "end_date"
            ok, parsed = _date(value, nullable)
            if ok:
                values[column] = parsed
            else:
                errors.add(at, "must be a date, YYYY-MM-DD" + (", or null" if nullable else ""))
        elif column == "home_region":
            if isinstance(value, str):
                v.check_region(found, value)
                values[column] = value
            else:
                errors.add(at, "must be a string")
        elif column == "nation_id":
            if isinstance(value, str):
                code = v.check_nation_code(found, value)  # any accepted spelling, stored as alpha-2
                if code is not None:
                    values["nation_code"] = code
            else:
                errors.add(at, "must be a string")
    if complete and "start_date" in values:  # an update's are checked against the stored row
        v.check_dates(found, values["start_date"], values.get("end_date"))
    if complete and "status" in values and "progress" in values:
        v.check_status_progress(found, values["status"], values["progress"])
    for problem in found.problems:
        errors.add(f"{where}.{_RAW_NAME.get(problem['field'], problem['field'])}", problem["message"])
    return values


def _point(errors: InputErrors, where: str, record_id: str, raw: dict[str, Any]) -> PointRecord | None:
    before = len(errors.problems)
    for column in RAW_COLUMNS["metric_points"]:
        if column not in raw:
            errors.add(f"{where}.{column}", "is required")
    project_id, kind, value, at = raw.get("project_id"), raw.get("kind"), raw.get("value"), raw.get("measured_at")
    if "project_id" in raw and not (isinstance(project_id, str) and ID.fullmatch(project_id)):
        errors.add(f"{where}.project_id", "must be a project id")
    if "kind" in raw and kind not in _KINDS:
        errors.add(f"{where}.kind", f"must be one of {', '.join(sorted(_KINDS))}")
    if "value" in raw and not _is_number(value):
        errors.add(f"{where}.value", "must be a finite number")
    ts = None
    if "measured_at" in raw:
        if _is_number(at) and abs(at) < 1e14:
            ts = dt.datetime.fromtimestamp(at / 1000, dt.UTC)
        else:
            errors.add(f"{where}.measured_at", "must be a time in ms since the epoch")
    if len(errors.problems) > before:
        return None
    assert ts is not None
    found = InputErrors()
    check_point(found, where, MetricKind(kind), float(value), ts)  # type: ignore[arg-type]  # checked above: no problems
    for problem in found.problems:
        errors.add(problem["field"].replace(".at", ".measured_at"), problem["message"])
    if len(errors.problems) > before:
        return None
    return PointRecord(record_id, project_id, kind, float(value), ts, where)  # type: ignore[arg-type]  # as above


def _record_id(errors: InputErrors, where: str, raw: Any) -> str | None:
    if not isinstance(raw, str) or not ID.fullmatch(raw):
        errors.add(where, "must be a record id: 1 to 40 letters, digits, '-' or '_'")
        return None
    return raw


def parse(changes: Any) -> Push:
    errors = InputErrors()
    push = Push()
    if not isinstance(changes, dict):
        errors.add("changes", "must be an object: { table: { created, updated, deleted } }")
        errors.raise_if_any("push")
    for table in changes:
        if table not in RAW_COLUMNS:
            errors.add(table, f"unknown table; the synced tables are {', '.join(RAW_COLUMNS)}")
    count = 0
    for table, lists in changes.items():
        if table not in RAW_COLUMNS:
            continue
        if not isinstance(lists, dict) or set(lists) - set(LISTS):
            errors.add(table, "must be { created: [...], updated: [...], deleted: [ids] }")
            continue
        ids: set[str] = set()
        for name in LISTS:
            entries = lists.get(name, [])
            if not isinstance(entries, list):
                errors.add(f"{table}.{name}", "must be a list")
                continue
            count += len(entries)
            if count > MAX_RECORDS:
                errors.add("changes", f"holds more than {MAX_RECORDS} records: push in smaller batches")
                errors.raise_if_any("push")
            if table == "nations" and entries:
                errors.add(f"nations.{name}", "nations are read-only")
                continue
            for i, entry in enumerate(entries):
                where = f"{table}.{name}[{i}]"
                if name == "deleted":
                    record_id = _record_id(errors, where, entry)
                else:
                    if not isinstance(entry, dict):
                        errors.add(where, "must be a record object with an `id`")
                        continue
                    record_id = _record_id(errors, f"{where}.id", entry.get("id"))
                    unknown = set(entry) - {"id", *RAW_COLUMNS[table], *BOOKKEEPING}
                    for column in sorted(unknown):
                        errors.add(f"{where}.{column}", f"unknown column of {table}")
                if record_id is None:
                    continue
                if record_id in ids:
                    errors.add(where, f"{record_id!r} appears more than once in {table}")
                    continue
                ids.add(record_id)
                _add(errors, push, table, name, where, record_id, entry)
    errors.raise_if_any("push")
    _check_point_keys(errors, push)
    errors.raise_if_any("push")
    return push


def _add(errors: InputErrors, push: Push, table: str, name: str, where: str, record_id: str, entry: Any) -> None:
    if name == "deleted":
        (push.projects_deleted if table == "projects" else push.points_deleted).append(record_id)
        return
    data = {k: val for k, val in entry.items() if k != "id" and k not in BOOKKEEPING}
    if table == "projects":
        values = _project_values(errors, where, data, complete=name == "created")
        target = push.projects_created if name == "created" else push.projects_updated
        target.append(ProjectRecord(record_id, values, where))
    elif name == "updated":
        errors.add(where, "metric points are add-only: record a new point instead of changing one")
    else:
        point = _point(errors, where, record_id, data)
        if point is not None:
            push.points_created.append(point)


def _check_point_keys(errors: InputErrors, push: Push) -> None:
    seen: dict[tuple[str, str, dt.datetime], str] = {}
    for point in push.points_created:
        key = (point.project_id, point.kind, point.ts)
        if key in seen:
            errors.add(point.where, f"same project, kind and time as {seen[key]!r}: one value per instant")
        seen[key] = point.id
