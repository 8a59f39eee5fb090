"""The projects subgraph: `Project @key(fields: "id")`, `Nation.projects`, and project mutations.

`Project.nation` provides the nation's `name`: the projects list screen (project, its nation's name)
is answered by this subgraph alone, in one fetch.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import strawberry
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs.common.cache_control import cached
from subgraphs.common.context import RequestContext
from subgraphs.common.enums import Group, ProjectStatus, Sector
from subgraphs.common.errors import NOT_FOUND, InputErrors, user_error
from subgraphs.common.extensions import EXTENSIONS
from subgraphs.common.nation_codes import nation_code_argument
from subgraphs.common.relay import CONNECTION_SIZE, PageInfo, Window, window
from subgraphs.db.tables import followers as F
from subgraphs.db.tables import nations as N
from subgraphs.db.tables import projects as P
from subgraphs.events import followers as following
from subgraphs.events import mutations as events
from subgraphs.events.actor import ANONYMOUS
from subgraphs.projects import validation as v
from subgraphs.sync import schema as sync


@strawberry.federation.type(keys=["code"], directives=[cached()])
class Nation:
    code: strawberry.ID
    # Declared here only so Project.nation can provide it; the nations subgraph owns it.
    name: str = strawberry.federation.field(external=True)

    @classmethod
    def resolve_reference(cls, code: strawberry.ID) -> Nation:
        # A reference needs no lookup: `projects` below is keyed by the code alone (alpha-2).
        return cls(code=strawberry.ID(nation_code_argument(str(code))), name="")

    @strawberry.field(description="This nation's projects, in id order", directives=[CONNECTION_SIZE])
    async def projects(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        status: ProjectStatus | None = None,
    ) -> ProjectConnection:
        page = window(first, after)
        key = (str(self.code), page.offset, page.limit, status.value if status else None)
        return await nation_projects_loader(info.context).load(key)


@strawberry.federation.type(keys=["id"], description="A covenant project", directives=[cached()])
class Project:
    id: strawberry.ID
    name: str
    sector: Sector
    status: ProjectStatus
    budget_usd: float
    start_date: dt.date
    end_date: dt.date | None
    progress: float = strawberry.field(description="0.0 (not started) .. 1.0 (done)")
    home_region: str = strawberry.field(description="region code: ams, iad, syd, sin, sfo, jnb")
    nation_code: strawberry.Private[str]

    @strawberry.federation.field(provides=["name"])
    async def nation(self, info: strawberry.Info) -> Nation:
        name = await nation_name_loader(info.context).load(self.nation_code)
        return Nation(code=strawberry.ID(self.nation_code), name=name or "")

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Project | None:
        return await project_loader(info.context).load(str(id))

    @strawberry.field(description="How many follow this project (each gets its alerts and updates as notifications)")
    async def follower_count(self, info: strawberry.Info) -> int:
        # A count, not the names: reads are public, who follows what is not.
        return await follower_count_loader(info.context).load(str(self.id))


@strawberry.type
class ProjectEdge:
    node: Project
    cursor: str


@strawberry.type
class ProjectConnection:
    edges: list[ProjectEdge]
    page_info: PageInfo
    total_count: int


def _to_project(row: Any) -> Project:
    return Project(
        id=strawberry.ID(row.id),
        name=row.name,
        sector=Sector(row.sector),
        status=ProjectStatus(row.status),
        budget_usd=float(row.budget_usd),
        start_date=row.start_date,
        end_date=row.end_date,
        progress=row.progress,
        home_region=row.home_region,
        nation_code=row.nation_code,
    )


def _connection(rows: Sequence[Any], page: Window, total: int) -> ProjectConnection:
    return ProjectConnection(
        edges=[ProjectEdge(node=_to_project(r), cursor=page.cursor(i)) for i, r in enumerate(rows)],
        page_info=page.page_info(len(rows), total),
        total_count=total,
    )


def project_loader(ctx: RequestContext) -> Any:
    async def load(ids: list[str]) -> list[Project | None]:
        rows = await ctx.fetch(select(P).where(P.c.id.in_(ids)))
        found = {r.id: _to_project(r) for r in rows}
        return [found.get(i) for i in ids]

    return ctx.loader("project", load)


def follower_count_loader(ctx: RequestContext) -> Any:
    async def load(ids: list[str]) -> list[int]:
        rows = await ctx.fetch(
            select(F.c.project_id, func.count().label("n")).where(F.c.project_id.in_(ids)).group_by(F.c.project_id)
        )
        found = {r.project_id: int(r.n) for r in rows}
        return [found.get(i, 0) for i in ids]

    return ctx.loader("follower_count", load)


def nation_name_loader(ctx: RequestContext) -> Any:
    async def load(codes: list[str]) -> list[str | None]:
        rows = await ctx.fetch(select(N.c.code, N.c.name).where(N.c.code.in_(codes)))
        names = {r.code: r.name for r in rows}
        return [names.get(c) for c in codes]

    return ctx.loader("nation_name", load)


NationProjectsKey = tuple[str, int, int, str | None]


def nation_projects_loader(ctx: RequestContext) -> Any:
    """One statement per distinct (page, status) for any number of nations: rows are numbered
    within each nation by a window function and the page is cut in SQL."""

    async def load(keys: list[NationProjectsKey]) -> list[ProjectConnection]:
        by_shape: dict[tuple[int, int, str | None], list[str]] = defaultdict(list)
        for code, offset, limit, status in keys:
            by_shape[(offset, limit, status)].append(code)
        results: dict[NationProjectsKey, ProjectConnection] = {}
        for (offset, limit, status), codes in by_shape.items():
            numbered = select(
                P,
                func.row_number().over(partition_by=P.c.nation_code, order_by=P.c.id).label("rn"),
                func.count().over(partition_by=P.c.nation_code).label("total"),
            ).where(P.c.nation_code.in_(codes))
            if status is not None:
                numbered = numbered.where(P.c.status == status)
            sub = numbered.subquery()
            rows = await ctx.fetch(
                select(sub)
                .where(sub.c.rn > offset, sub.c.rn <= offset + limit)
                .order_by(sub.c.nation_code, sub.c.rn)
            )
            grouped: dict[str, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[row.nation_code].append(row)
            totals = {code: (grouped[code][0].total if grouped[code] else None) for code in codes}
            missing_totals = [c for c, t in totals.items() if t is None and offset > 0]
            if missing_totals:  # page past the end: still report the true totalCount
                count_q = select(P.c.nation_code, func.count()).where(P.c.nation_code.in_(missing_totals))
                if status is not None:
                    count_q = count_q.where(P.c.status == status)
                for code, n in await ctx.fetch(count_q.group_by(P.c.nation_code)):  # type: ignore[misc]  # rows of (code, count)
                    totals[code] = n
            page = Window(offset, limit)
            for code in codes:
                results[(code, offset, limit, status)] = _connection(grouped[code], page, int(totals[code] or 0))
        return [results[k] for k in keys]

    return ctx.loader("nation_projects", load)


NATION_CODE = "ISO 3166-1 alpha-2 or alpha-3 code, any case"


@strawberry.input
class ProjectFilter:
    region: str | None = None
    group: Group | None = None
    status: ProjectStatus | None = None
    sector: Sector | None = None
    nation_code: str | None = strawberry.field(description=NATION_CODE, default=None)
    search: str | None = strawberry.field(default=None, description="case-insensitive name substring")


@strawberry.input
class CreateProjectInput:
    name: str
    sector: Sector
    budget_usd: float
    start_date: dt.date
    home_region: str
    nation_code: str = strawberry.field(description=NATION_CODE)
    status: ProjectStatus = ProjectStatus.PLANNED
    end_date: dt.date | None = None
    progress: float = 0.0


@strawberry.input
class UpdateProjectInput:
    name: str | None = strawberry.UNSET
    sector: Sector | None = strawberry.UNSET
    status: ProjectStatus | None = strawberry.UNSET
    budget_usd: float | None = strawberry.UNSET
    start_date: dt.date | None = strawberry.UNSET
    end_date: dt.date | None = strawberry.UNSET
    progress: float | None = strawberry.UNSET
    home_region: str | None = strawberry.UNSET
    nation_code: str | None = strawberry.field(description=NATION_CODE, default=strawberry.UNSET)


@strawberry.type
class FollowPayload:
    project: Project
    follower: str
    following: bool = strawberry.field(description="whether the follower follows the project now")
    changed: bool = strawberry.field(description="false when it already was (or was not) following")


MAX_FOLLOWER = 200


def _follower(ctx: RequestContext, follower: str | None) -> str:
    name = follower.strip() if follower is not None else ctx.actor()
    if follower is None and name == ANONYMOUS:
        raise user_error("follower: an anonymous caller must name the follower", fields=[{"field": "follower", "message": "required without a caller subject"}])
    if not name or len(name) > MAX_FOLLOWER or not name.isprintable():
        raise user_error(f"follower: 1 to {MAX_FOLLOWER} printable characters", fields=[{"field": "follower", "message": "invalid"}])
    return name


async def _set_following(info: strawberry.Info, project_id: strawberry.ID, follower: str | None, on: bool) -> FollowPayload:
    ctx: RequestContext = info.context
    if len(project_id) > 40:
        raise user_error("projectId is at most 40 characters")
    name = _follower(ctx, follower)

    async def work(conn: AsyncConnection) -> tuple[Any, bool]:
        row = (await conn.execute(select(P).where(P.c.id == str(project_id)))).one_or_none()
        if row is None:
            raise user_error(f"no project {str(project_id)!r}", NOT_FOUND)
        changed = await (following.follow if on else following.unfollow)(conn, row.id, name)
        if changed:
            await events.follow_changed(conn, row.id, name, on, region=ctx.settings.region, actor=ctx.actor())
        return row, changed

    row, changed = await ctx.write(work)
    return FollowPayload(project=_to_project(row), follower=name, following=on, changed=changed)


async def _nation_exists(conn: AsyncConnection, code: str) -> bool:
    return bool(await conn.scalar(select(func.count()).where(N.c.code == code)))


@strawberry.type
class Query:
    sync_pull: sync.SyncPull = strawberry.field(resolver=sync.sync_pull, description=sync.PULL_DESCRIPTION)

    @strawberry.field(directives=[cached()])
    async def project(self, info: strawberry.Info, id: strawberry.ID) -> Project | None:
        if len(id) > 40:
            raise user_error("project id is at most 40 characters")
        return await project_loader(info.context).load(str(id))

    @strawberry.field(description="Projects in id order, optionally filtered", directives=[CONNECTION_SIZE, cached()])
    async def projects(
        self,
        info: strawberry.Info,
        filter: ProjectFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ProjectConnection:
        page = window(first, after)
        query = select(P, func.count().over().label("total"))
        if filter is not None:
            errors = InputErrors()
            if filter.region is not None:
                v.check_region(errors, filter.region)
            nation_code = None
            if filter.nation_code is not None:
                nation_code = v.check_nation_code(errors, filter.nation_code)
            errors.raise_if_any("filter")
            if filter.region is not None:
                query = query.where(P.c.home_region == filter.region)
            if filter.status is not None:
                query = query.where(P.c.status == filter.status.value)
            if filter.sector is not None:
                query = query.where(P.c.sector == filter.sector.value)
            if nation_code is not None:
                query = query.where(P.c.nation_code == nation_code)
            if filter.group is not None:
                in_group = select(N.c.code).where(N.c.group_name == filter.group.value)
                query = query.where(P.c.nation_code.in_(in_group))
            if filter.search:
                pattern = "%" + filter.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                query = query.where(P.c.name.ilike(pattern, escape="\\"))
        rows = await info.context.fetch(query.order_by(P.c.id).offset(page.offset).limit(page.limit))
        if rows:
            total = int(rows[0].total)
        else:  # an empty page still reports how many there are
            count_query = select(func.count()).select_from(query.with_only_columns(P.c.id).subquery())
            total = int((await info.context.fetch(count_query))[0][0])
        return _connection(rows, page, total)


@strawberry.type
class Mutation:
    # Writes need a token with the scope (the gateway enforces it; reads stay public). A sync push
    # may write projects and metric points, so it needs both scopes.
    sync_push: sync.SyncPushResult = strawberry.federation.mutation(
        resolver=sync.sync_push, description=sync.PUSH_DESCRIPTION,
        requires_scopes=[["projects:write", "metrics:write"]],
    )

    # Writes need a token with the scope (the gateway enforces it; reads stay public).
    @strawberry.federation.mutation(
        description="Create a project; its id is generated", requires_scopes=[["projects:write"]]
    )
    async def create_project(self, info: strawberry.Info, input: CreateProjectInput) -> Project:
        errors = InputErrors()
        v.check_name(errors, input.name)
        v.check_budget(errors, input.budget_usd)
        v.check_progress(errors, input.progress)
        v.check_dates(errors, input.start_date, input.end_date)
        if math.isfinite(input.progress) and 0.0 <= input.progress <= 1.0:
            v.check_status_progress(errors, input.status.value, input.progress)
        v.check_region(errors, input.home_region)
        nation_code = v.check_nation_code(errors, input.nation_code)
        errors.raise_if_any("createProject input")
        ctx: RequestContext = info.context
        project_id = f"prj-{input.home_region}-{uuid.uuid4().hex[:12]}"

        async def work(conn: AsyncConnection) -> Any:
            if nation_code is not None and not await _nation_exists(conn, nation_code):
                raise user_error(
                    f"invalid createProject input: nationCode: no nation {input.nation_code!r}",
                    fields=[{"field": "nationCode", "message": "no such nation"}],
                )
            result = await conn.execute(
                P.insert()
                .values(
                    id=project_id,
                    name=input.name.strip(),
                    sector=input.sector.value,
                    status=input.status.value,
                    budget_usd=round(input.budget_usd),
                    start_date=input.start_date,
                    end_date=input.end_date,
                    progress=input.progress,
                    home_region=input.home_region,
                    nation_code=nation_code,
                )
                .returning(P)
            )
            row = result.one()
            await events.project_created(conn, row, region=ctx.settings.region, actor=ctx.actor())
            return row

        return _to_project(await ctx.write(work))

    @strawberry.federation.mutation(
        description="Change some fields of a project; unset fields are kept", requires_scopes=[["projects:write"]]
    )
    async def update_project(
        self, info: strawberry.Info, id: strawberry.ID, input: UpdateProjectInput
    ) -> Project:
        given = {
            k: val for k, val in vars(input).items() if val is not strawberry.UNSET
        }
        errors = InputErrors()
        if not given:
            errors.add("input", "set at least one field")
        for required in ("name", "sector", "status", "budget_usd", "start_date", "progress", "home_region", "nation_code"):
            if required in given and given[required] is None:
                errors.add(_camel(required), "cannot be null")
        if given.get("name") is not None:
            v.check_name(errors, given["name"])
        if given.get("budget_usd") is not None:
            v.check_budget(errors, given["budget_usd"])
        if given.get("progress") is not None:
            v.check_progress(errors, given["progress"])
        if given.get("home_region") is not None:
            v.check_region(errors, given["home_region"])
        if given.get("nation_code") is not None:
            given["nation_code"] = v.check_nation_code(errors, given["nation_code"])
        errors.raise_if_any("updateProject input")
        ctx: RequestContext = info.context

        async def work(conn: AsyncConnection) -> Any:
            current = (await conn.execute(select(P).where(P.c.id == str(id)).with_for_update())).one_or_none()
            if current is None:
                raise user_error(f"no project {str(id)!r}", NOT_FOUND)
            start = given.get("start_date", current.start_date)
            end = given.get("end_date", current.end_date)
            date_errors = InputErrors()
            v.check_dates(date_errors, start, end)
            status = given["status"].value if "status" in given else current.status
            v.check_status_progress(date_errors, status, given.get("progress", current.progress))
            date_errors.raise_if_any("updateProject input")
            if given.get("nation_code") is not None and not await _nation_exists(conn, given["nation_code"]):
                raise user_error(
                    f"invalid updateProject input: nationCode: no nation {given['nation_code']!r}",
                    fields=[{"field": "nationCode", "message": "no such nation"}],
                )
            values: dict[str, Any] = {}
            for key, val in given.items():
                if key in ("sector", "status"):
                    values[key] = val.value
                elif key == "budget_usd":
                    values[key] = round(val)
                elif key == "name":
                    values[key] = val.strip()
                else:
                    values[key] = val
            values["updated_at"] = func.now()
            result = await conn.execute(update(P).where(P.c.id == str(id)).values(**values).returning(P))
            row = result.one()
            changed = [_camel(k) for k in given]
            await events.project_updated(conn, row, changed, region=ctx.settings.region, actor=ctx.actor())
            return row

        return _to_project(await ctx.write(work))

    @strawberry.mutation(description="Follow a project: the follower (default: the caller) gets a notification for each alert on it and each update")
    async def follow_project(
        self, info: strawberry.Info, project_id: strawberry.ID, follower: str | None = None
    ) -> FollowPayload:
        return await _set_following(info, project_id, follower, True)

    @strawberry.mutation(description="Stop following a project")
    async def unfollow_project(
        self, info: strawberry.Info, project_id: strawberry.ID, follower: str | None = None
    ) -> FollowPayload:
        return await _set_following(info, project_id, follower, False)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Project, Nation],
    extensions=EXTENSIONS,
    federation_version="2.9",  # 2.9: @listSize
)
