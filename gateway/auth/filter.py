"""Remove from an operation's field tree what an access key may not see (Apollo Router semantics).

Returns two trees: the one to plan (denied fields gone, so no subgraph is asked for them; a
selection left empty asks for `__typename` only) and the one to shape (denied fields kept, marked,
so the answer has them as null), plus one UNAUTHORIZED_FIELD_OR_TYPE error per denied path ("@"
standing for list items, as the Router reports them). Done once per cached plan, never per request.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLOutputType

from gateway.auth.rules import AccessKey, AccessRules
from gateway.errors import error
from gateway.plan.fields import NField

UNAUTHORIZED_FIELD_OR_TYPE = "UNAUTHORIZED_FIELD_OR_TYPE"


@dataclass(frozen=True)
class Filtered:
    plan_fields: list[NField]
    shape_fields: list[NField]
    errors: tuple[dict[str, Any], ...]


def _list_depth(t: GraphQLOutputType | None) -> int:
    depth = 0
    while isinstance(t, GraphQLNonNull | GraphQLList):
        if isinstance(t, GraphQLList):
            depth += 1
        t = t.of_type
    return depth


class _Run:
    def __init__(self, rules: AccessRules, key: AccessKey) -> None:
        self.rules = rules
        self.key = key
        self.errors: dict[tuple[str, ...], dict[str, Any]] = {}
        self._memo: dict[tuple[int, tuple[str, ...]], tuple[list[NField], list[NField]] | None] = {}

    def walk(self, fields: list[NField], path: tuple[str, ...]) -> tuple[list[NField], list[NField]] | None:
        """(plan fields, shape fields), or None when nothing below is denied (keep `fields`)."""
        memo_key = (id(fields), path)
        if memo_key in self._memo:
            return self._memo[memo_key]
        plan: list[NField] = []
        shape: list[NField] = []
        changed = False
        for nf in fields:
            req = self.rules.fields.get((nf.parent, nf.name))
            if req is not None and not req.allows(self.key):
                where = (*path, nf.key)
                self.errors.setdefault(
                    where,
                    error("Unauthorized field or type", UNAUTHORIZED_FIELD_OR_TYPE, path=list(where)),
                )
                shape.append(dataclasses.replace(nf, denied=True))
                changed = True
                continue
            if not nf.children:
                plan.append(nf)
                shape.append(nf)
                continue
            below = (*path, nf.key, *("@",) * _list_depth(nf.type))
            plan_children: dict[str, list[NField]] = {}
            shape_children: dict[str, list[NField]] = {}
            child_changed = False
            for runtime, kids in nf.children.items():
                result = self.walk(kids, below)
                if result is None:
                    plan_children[runtime] = shape_children[runtime] = kids
                    continue
                child_changed = True
                p, s = result
                if not p:  # a selection set must select something: the type name costs nothing
                    p = [NField("__typename", "__typename", runtime, nf.nodes[:1], None, "String", False, True, "")]
                plan_children[runtime], shape_children[runtime] = p, s
            if child_changed:
                changed = True
                plan.append(dataclasses.replace(nf, children=plan_children))
                shape.append(dataclasses.replace(nf, children=shape_children))
            else:
                plan.append(nf)
                shape.append(nf)
        result = (plan, shape) if changed else None
        self._memo[memo_key] = result
        return result


def filter_fields(fields: list[NField], rules: AccessRules, key: AccessKey) -> Filtered | None:
    """None when the key may see the whole operation (the common case: plan it as it is)."""
    run = _Run(rules, key)
    result = run.walk(fields, ())
    if result is None:
        return None
    return Filtered(result[0], result[1], tuple(run.errors.values()))
