"""The nations subgraph: `Nation @key(fields: "code")`, `nation(code)`, `nations(search, ...)`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import strawberry
from sqlalchemy import func, select

from subgraphs.common.app import ConsistencyExtension
from subgraphs.common.cache_control import cached
from subgraphs.common.context import RequestContext
from subgraphs.common.covenant import contribution_usd
from subgraphs.common.enums import Group
from subgraphs.common.errors import user_error
from subgraphs.common.masking import MaskUnexpectedErrors
from subgraphs.common.relay import PageInfo, window
from subgraphs.db.tables import nations as T
from subgraphs.nations.search import rank

_CODE = re.compile(r"^[A-Za-z]{2,3}$")
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
        return await nation_loader(info.context).load(str(code).upper())


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
        rows = await ctx.fetch(
            select(T, _TOTAL_GDP).where((T.c.code.in_(codes)) | (T.c.alpha3.in_(codes)))
        )
        found: dict[str, Nation] = {}
        for row in rows:
            nation = _to_nation(row, ctx.settings.budget_usd)
            found[row.code] = found[row.alpha3] = nation
        return [found.get(code) for code in codes]

    return ctx.loader("nation", load)


async def _all_nations(ctx: RequestContext) -> list[tuple[Nation, list[str]]]:
    rows = await ctx.fetch(select(T, _TOTAL_GDP).order_by(T.c.name))
    return [(_to_nation(r, ctx.settings.budget_usd), r.search_names.split("\n")) for r in rows]


@strawberry.type
class Query:
    @strawberry.field(description="A nation by ISO 3166-1 alpha-2 or alpha-3 code (any case)", directives=[cached()])
    async def nation(self, info: strawberry.Info, code: str) -> Nation | None:
        if not _CODE.match(code):
            raise user_error(f"nation code must be ISO 3166-1 alpha-2 or alpha-3, got {code[:20]!r}")
        return await nation_loader(info.context).load(code.upper())

    @strawberry.field(
        description="Nations, optionally searched (prefix, substring, typo-tolerant; accents ignored)",
        directives=[cached()],
    )
    async def nations(
        self,
        info: strawberry.Info,
        search: str | None = None,
        group: Group | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NationConnection:
        page = window(first, after)
        if search is not None and len(search) > 100:
            raise user_error("`search` is limited to 100 characters")
        everything = await _all_nations(info.context)
        if group is not None:
            everything = [(n, names) for n, names in everything if n.group == group]
        if search and search.strip():
            by_code = {str(n.code): n for n, _ in everything}
            matches = [
                by_code[c] for c in rank(search, [(str(n.code), n.name, names) for n, names in everything])
            ]
        else:
            matches = [n for n, _ in everything]
        chunk = matches[page.offset : page.offset + page.limit]
        return NationConnection(
            edges=[NationEdge(node=n, cursor=page.cursor(i)) for i, n in enumerate(chunk)],
            page_info=page.page_info(len(chunk), len(matches)),
            total_count=len(matches),
        )


schema = strawberry.federation.Schema(
    query=Query, types=[Nation], extensions=[ConsistencyExtension, MaskUnexpectedErrors], federation_version="2.5"
)
