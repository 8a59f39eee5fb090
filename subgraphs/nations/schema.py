"""The nations subgraph: `Nation @key(fields: "code")`, `nation(code)`, `nations(search, ...)`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from sqlalchemy import func, select

from subgraphs.common.cache_control import cached
from subgraphs.common.context import RequestContext
from subgraphs.common.covenant import contribution_usd
from subgraphs.common.enums import Group
from subgraphs.common.errors import user_error
from subgraphs.common.extensions import EXTENSIONS
from subgraphs.common.nation_codes import nation_code_argument
from subgraphs.common.relay import CONNECTION_SIZE, PageInfo, window
from subgraphs.db.tables import nations as T
from subgraphs.nations.index_cache import search_index, warm
from subgraphs.nations.search import MAX_QUERY

_TOTAL_GDP = select(func.sum(T.c.gdp_usd)).scalar_subquery().label("total_gdp")


@strawberry.federation.type(keys=["code"], description="A UN member or observer state", directives=[cached()])
class Nation:
    code: strawberry.ID = strawberry.field(description="ISO 3166-1 alpha-2")
    alpha3: str
    numeric_code: str
    # Shareable: the projects subgraph provides it under Project.nation (one fetch for list screens).
    name: str = strawberry.federation.field(shareable=True)
    official_name: str
    un_region: str
    un_subregion: str
    group: Group
    un_status: str = strawberry.field(description="member | observer")
    capital: str | None
    population: int | None = strawberry.field(description="people (the largest, 1.4 billion, fits in Int)")
    gdp_usd: float | None = strawberry.field(description="GDP in current USD (source in gdpSource)")
    gdp_source: str
    contribution_usd: float | None = strawberry.field(
        description="This nation's GDP share of the covenant's total budget, in USD"
    )

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, code: strawberry.ID) -> Nation | None:
        return await nation_loader(info.context).load(nation_code_argument(str(code)))


@strawberry.type
class NationEdge:
    node: Nation
    cursor: str


@strawberry.type
class NationConnection:
    edges: list[NationEdge]
    page_info: PageInfo
    total_count: int


def _to_nation(row: Any, budget: int) -> Nation:
    return Nation(
        code=strawberry.ID(row.code),
        alpha3=row.alpha3,
        numeric_code=row.numeric,
        name=row.name,
        official_name=row.official_name,
        un_region=row.un_region,
        un_subregion=row.un_subregion,
        group=Group(row.group_name),
        un_status=row.un_status,
        capital=row.capital,
        population=row.population,
        gdp_usd=row.gdp_usd,
        gdp_source=row.gdp_source,
        contribution_usd=contribution_usd(row.gdp_usd, int(row.total_gdp or 0), budget),
    )


def nation_loader(ctx: RequestContext) -> Any:
    async def load(codes: list[str]) -> Sequence[Nation | None]:
        # Keys are alpha-2 already (`nation_code_argument`): one indexed lookup on the primary key.
        rows = await ctx.fetch(select(T, _TOTAL_GDP).where(T.c.code.in_(codes)))
        found = {row.code: _to_nation(row, ctx.settings.budget_usd) for row in rows}
        return [found.get(code) for code in codes]

    return ctx.loader("nation", load)


@strawberry.type
class Query:
    @strawberry.field(description="A nation by ISO 3166-1 alpha-2 or alpha-3 code (any case)", directives=[cached()])
    async def nation(self, info: strawberry.Info, code: str) -> Nation | None:
        return await nation_loader(info.context).load(nation_code_argument(code))

    @strawberry.field(
        description="Nations in name order; or, with `search`, the ones it finds, best first",
        directives=[CONNECTION_SIZE, cached()],
    )
    async def nations(
        self,
        info: strawberry.Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="A name in any language or script, an old name, a prefix or a typo"
                " (accents and case ignored). Empty or absent: all nations; no letter: none."
            ),
        ] = None,
        group: Group | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NationConnection:
        page = window(first, after)
        if search is not None and len(search) > MAX_QUERY:
            raise user_error(f"`search` is limited to {MAX_QUERY} characters")
        ctx: RequestContext = info.context
        if not search:
            rows = await ctx.fetch(select(T, _TOTAL_GDP).order_by(T.c.name))
            matches = [_to_nation(r, ctx.settings.budget_usd) for r in rows]
            if group is not None:
                matches = [n for n in matches if n.group == group]
            total = len(matches)
            chunk = matches[page.offset : page.offset + page.limit]
        else:
            index = await search_index(ctx.db, ctx.settings)
            codes = index.rank(search)
            if group is not None:
                codes = tuple(c for c in codes if index.group[c] == group.value)
            total = len(codes)
            wanted = codes[page.offset : page.offset + page.limit]
            found: dict[str, Nation] = {}
            if wanted:
                rows = await ctx.fetch(select(T, _TOTAL_GDP).where(T.c.code.in_(wanted)))
                found = {r.code: _to_nation(r, ctx.settings.budget_usd) for r in rows}
            chunk = [found[c] for c in wanted if c in found]
        return NationConnection(
            edges=[NationEdge(node=n, cursor=page.cursor(i)) for i, n in enumerate(chunk)],
            page_info=page.page_info(len(chunk), total),
            total_count=total,
        )


# Run by the app at startup (see `subgraphs.registry.startup_of`).
on_startup = warm

schema = strawberry.federation.Schema(
    query=Query, types=[Nation], extensions=EXTENSIONS, federation_version="2.9"
)
