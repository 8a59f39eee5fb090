"""nested_key: Member is keyed by its id and its org's id; m1 works for two orgs."""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

ORGS = {"o1": {"id": "o1", "name": "Acme"}, "o2": {"id": "o2", "name": "Globex"}}
MEMBERS = [
    {"id": "m1", "org": ORGS["o1"], "name": "Kim"},
    {"id": "m1", "org": ORGS["o2"], "name": "Kim"},
    {"id": "m2", "org": ORGS["o1"], "name": "Lee"},
]
SALARIES = {("m1", "o1"): 100, ("m1", "o2"): 40, ("m2", "o1"): 90}


def _salary(rep: Obj) -> Obj | None:
    salary = SALARIES.get((rep["id"], rep["org"]["id"]))
    return None if salary is None else {"id": rep["id"], "org": rep["org"], "salary": salary}


SUBGRAPHS = {
    "directory": Subgraph(
        query={"members": MEMBERS},
        entities={"Org": lambda rep: ORGS.get(rep["id"])},
    ),
    "payroll": Subgraph(entities={"Member": _salary}),
}
