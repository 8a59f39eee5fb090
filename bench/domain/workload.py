"""The app's screens as a weighted mix of operations, with variables drawn from the whole data set.

95 % reads (country selector search, country list pages, country detail with projects, project
detail with monthly metrics, region stats), 5 % writes (`updateProject`, `recordMetrics`) on the
projects the writing client owns (clients own disjoint sets, so each can check its own writes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from bench.domain.writes import ProjectFacts

SEARCH = "query Search($q: String!) { nations(search: $q, first: 10) { edges { node { code name } } } }"
LIST = (
    "query Nations($after: String) { nations(first: 20, after: $after) { totalCount "
    "edges { cursor node { code name capital population } } pageInfo { hasNextPage endCursor } } }"
)
NATION = (
    "query Nation($code: String!) { nation(code: $code) { code name capital population gdpUsd "
    "stats { projects activeProjects budgetUsd } "
    "projects(first: 10) { totalCount edges { node { id name status progress } } } } }"
)
PROJECT = (
    "query Project($id: ID!) { project(id: $id) { id name status progress budgetUsd nation { code name } "
    "metrics(bucket: MONTH) { kind start last count } } }"
)
REGION = "query Region($g: Group!) { regionStats(group: $g) { group nations projects activeProjects budgetUsd } }"
UPDATE = (
    "mutation Update($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) "
    "{ id name progress } }"
)
RECORD = (
    "mutation Record($input: RecordMetricsInput!) { recordMetrics(input: $input) { recorded project { id } } }"
)

# screen -> weight (percent)
MIX: dict[str, float] = {
    "search": 20, "list": 20, "nation": 25, "project": 25, "region": 5, "update": 2.5, "record": 2.5,
}
QUERIES = {"search": SEARCH, "list": LIST, "nation": NATION, "project": PROJECT, "region": REGION,
           "update": UPDATE, "record": RECORD}
GROUPS = ("EMEA", "APAC", "AMERICAS")


@dataclass
class DataSet:
    """What the variables are drawn from: read once from the running stack."""

    nations: list[tuple[str, str]]  # (code, name)
    cursors: list[str | None]  # one per list page (None: the first)
    projects: list[str]
    facts: dict[str, ProjectFacts] = field(default_factory=dict)  # by id: what its writes may set

    def search_terms(self) -> list[str]:
        terms = set()
        for _, name in self.nations:
            low = name.lower()
            terms.update({low[:2], low[:3], low[:4]})
        return sorted(t for t in terms if len(t) >= 2)


class Picker:
    def __init__(self, data: DataSet, seed: int) -> None:
        self.rng = random.Random(seed)
        self.data = data
        self.terms = data.search_terms()
        self.screens = list(MIX)
        self.weights = [MIX[s] for s in self.screens]

    def screen(self) -> str:
        return self.rng.choices(self.screens, self.weights)[0]

    def variables(self, screen: str) -> dict[str, Any]:
        rng, d = self.rng, self.data
        if screen == "search":
            return {"q": rng.choice(self.terms)}
        if screen == "list":
            return {"after": rng.choice(d.cursors)}
        if screen == "nation":
            return {"code": rng.choice(d.nations)[0]}
        if screen == "project":
            return {"id": rng.choice(d.projects)}
        if screen == "region":
            return {"g": rng.choice(GROUPS)}
        raise ValueError(screen)
