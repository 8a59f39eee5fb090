"""The app's screens as the GraphQL operations they send (reads only, so the data stays the same
during a run and every answer can be compared with the baseline taken before the first fault)."""

from __future__ import annotations

SCREENS: dict[str, str] = {
    "dashboard": """{ globalCovenantStats { nations projects activeProjects contributionsUsd covenantBudgetUsd }
  regionStats(group: EMEA) { regions nations projects } }""",
    "nations": """{ nations(first: 20) { totalCount edges { node { code name capital population gdpUsd } } } }""",
    "nation": """{ nation(code: "KE") { name capital population gdpUsd contributionUsd
    stats { projects activeProjects budgetUsd }
    metrics(kind: SPEND_USD, bucket: YEAR) { start sum }
    projects(first: 3) { totalCount edges { node { id name status metrics(kind: PROGRESS, bucket: YEAR) { start value } } } } } }""",
    "projects": """{ projects(first: 20) { totalCount edges { node { id name status nation { name } } } } }""",
    "project": """{ project(id: "prj-sin-004") { id name status nation { name capital }
    metrics(kind: PROGRESS, bucket: YEAR) { start value } } }""",
}
