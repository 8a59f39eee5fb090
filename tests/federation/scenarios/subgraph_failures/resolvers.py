"""subgraph_failures: one healthy subgraph and one per failure mode. `downstock` is composed under
the unreachable host (nothing listens); slow sleeps past the gateways' 2 s subgraph timeout; html
answers with a non-JSON body; shape with JSON that is no GraphQL response; crash with HTTP 500;
oops with a GraphQL response holding only an error; short with one _entities item too few."""

from __future__ import annotations

from harness import resolvers as r
from harness.resolvers import Subgraph

THINGS = [{"id": "t1", "name": "One"}, {"id": "t2", "name": "Two"}]
SLOW_DELAY_S = 3.0


def _extension(field: str, value: object, behaviour: str, delay: float = 0.0) -> Subgraph:
    return Subgraph(
        query={f"{field}Root": "unreachable"},
        entities={"Thing": lambda rep: {"id": rep["id"], field: value}},
        behaviour=behaviour,
        delay=delay,
    )


SUBGRAPHS = {
    "good": Subgraph(query={"things": THINGS}, entities={"Thing": lambda rep: next((t for t in THINGS if t["id"] == rep["id"]), None)}),
    "downstock": Subgraph(),
    "slow": _extension("eta", 5, r.SLOW, SLOW_DELAY_S),
    "html": _extension("html", "x", r.NON_JSON),
    "shape": _extension("shape", "x", r.WRONG_SHAPE),
    "crash": _extension("crash", "x", r.HTTP_500),
    "oops": _extension("oops", "x", r.ERRORS_ONLY),
    "short": _extension("short", "x", r.SHORT_ENTITIES),
}
