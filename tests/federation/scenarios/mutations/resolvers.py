"""mutations: root mutation fields of two subgraphs must run one after another, in document order,
each followed by its own entity fetches before the next starts. A shared log proves the order."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

LOG: list[str] = []


def reset() -> None:
    LOG.clear()


def _reserve(_info: Any, sku: str, qty: int) -> Obj:
    LOG.append(f"reserve {sku}")
    return {"id": f"res-{len(LOG)}", "sku": sku, "qty": qty, "sequence": len(LOG)}


def _record(_info: Any, note: str) -> Obj:
    seen = list(LOG)
    LOG.append(f"record {note}")
    return {"sequence": len(LOG), "seen": seen}


def _try_record(info: Any, note: str) -> Obj:
    if note == "fail":
        raise GraphQLError("ledger refused the note", extensions={"code": "REFUSED"})
    return _record(info, note)


def _reservation_costs(rep: Obj) -> Obj:
    # cost reads the required qty only when asked for: a missing requirement becomes an error.
    return {"id": rep["id"], "cost": lambda _info: rep["qty"] * 3, "ledgerSeen": len(LOG)}


SUBGRAPHS = {
    "inventory": Subgraph(
        query={"log": lambda _info: list(LOG)},
        mutation={"reserve": _reserve},
        entities={"Reservation": lambda rep: None},
    ),
    "ledger": Subgraph(
        mutation={"record": _record, "tryRecord": _try_record},
        entities={"Reservation": _reservation_costs},
    ),
}
