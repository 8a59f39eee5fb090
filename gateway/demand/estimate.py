"""An operation's estimated cost, computed once per cached plan, and an answer's actual cost.

The estimate is a tree mirroring the operation's field tree (which shares repeated fragments, so
the tree does too and both stay linear in the document however fragments multiply). When no list
size comes from a variable the estimate is one number, computed once; otherwise the tree is
evaluated per request against the variables, with memoisation over the shared subtrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    IntValueNode,
    VariableNode,
)

from gateway.demand.rules import CostRules
from gateway.plan.fields import NField

MUTATION_COST = 10


def _is_list(t: GraphQLOutputType | None) -> bool:
    if isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


class _Node:
    __slots__ = ("args", "children", "floor", "is_list", "name", "size", "size_vars", "sized", "weight")

    def __init__(self, name: str, weight: int, args: int, is_list: bool, size: int, size_vars: tuple[str, ...],
                 floor: int | None, sized: frozenset[str], children: list[list[_Node]]) -> None:
        self.name = name
        self.weight = weight
        self.args = args
        self.is_list = is_list
        self.size = size  # the list size when no variable gives one
        self.size_vars = size_vars  # slicing arguments given as variables: the largest value wins
        self.floor = floor
        self.sized = sized  # child fields this field's size applies to (@listSize sizedFields)
        self.children = children  # alternatives, one per runtime type: the dearest counts

    def list_size(self, variables: Mapping[str, Any]) -> int:
        if not self.size_vars:
            return self.size
        given = [v for v in (variables.get(name) for name in self.size_vars) if isinstance(v, int) and not isinstance(v, bool)]
        if not given:
            return self.size
        # slicing arguments given as literals count too (`floor`: their largest value)
        return max(*given, self.floor) if self.floor is not None else max(given)


class Estimate:
    """What an operation is expected to cost."""

    __slots__ = ("base", "constant", "roots")

    def __init__(self, roots: list[_Node], base: int, variable: bool) -> None:
        self.roots = roots
        self.base = base
        self.constant: int | None = None if variable else self._evaluate({})

    def cost(self, variables: Mapping[str, Any]) -> int:
        return self.constant if self.constant is not None else self._evaluate(variables)

    def _evaluate(self, variables: Mapping[str, Any]) -> int:
        memo: dict[tuple[int, int | None], int] = {}

        def selection(nodes: list[_Node], upstream: int | None, sized: frozenset[str]) -> int:
            key = (id(nodes), upstream if sized else None)
            cached = memo.get(key)
            if cached is None:
                cached = memo[key] = sum(field(n, upstream if n.name in sized else None) for n in nodes)
            return cached

        def field(n: _Node, upstream: int | None) -> int:
            count = (upstream if upstream is not None else n.list_size(variables)) if n.is_list else 1
            down = n.list_size(variables) if n.sized else None
            inner = n.weight
            if n.children:
                inner += max(selection(alt, down, n.sized) for alt in n.children)
            return count * inner + n.args

        return self.base + sum(field(n, None) for n in self.roots)


class CostModel:
    def __init__(self, schema: GraphQLSchema, rules: CostRules, default_list_size: int) -> None:
        self.schema = schema
        self.rules = rules
        self.default_list_size = default_list_size

    def estimate(self, fields: list[NField], mutation: bool) -> Estimate:
        memo: dict[int, list[_Node]] = {}
        variable = False

        def nodes(fs: list[NField]) -> list[_Node]:
            nonlocal variable
            cached = memo.get(id(fs))
            if cached is not None:
                return cached
            out: list[_Node] = []
            memo[id(fs)] = out  # filled below; a cycle cannot occur (field trees are finite)
            for nf in fs:
                if nf.type is None or nf.denied:
                    continue  # __typename, introspection, fields removed by authorization: free
                node = self._node(nf, nodes)
                variable = variable or bool(node.size_vars)
                out.append(node)
            return out

        roots = nodes(fields)
        return Estimate(roots, MUTATION_COST if mutation else 0, variable)

    def _node(self, nf: NField, nodes: Any) -> _Node:
        rules = self.rules
        key = (nf.parent, nf.name)
        weight = rules.field_weight.get(key)
        if weight is None:
            weight = rules.type_weight.get(nf.named, 0 if nf.leaf else 1)
        args = 0
        for a in nf.node.arguments or ():
            args += rules.argument_weight.get((nf.parent, nf.name, a.name.value), 0)
        size, size_vars, floor, sized = self.default_list_size, (), None, frozenset()
        spec = rules.list_size.get(key)
        if spec is not None:
            size, size_vars, floor = self._slicing(nf, spec.slicing_arguments, spec.assumed_size)
            sized = frozenset(spec.sized_fields)
        children = [nodes(kids) for kids in nf.children.values()] if nf.children else []
        return _Node(nf.name, weight, args, _is_list(nf.type), size, size_vars, floor, sized, children)

    def _slicing(
        self, nf: NField, names: tuple[str, ...], assumed: int | None
    ) -> tuple[int, tuple[str, ...], int | None]:
        """(size without variables, slicing variables, largest literal slicing value)."""
        fallback = assumed if assumed is not None else self.default_list_size
        if not names:
            return fallback, (), None
        given = {a.name.value: a.value for a in nf.node.arguments or ()}
        constants: list[int] = []
        variables: list[str] = []
        parent = self.schema.get_type(nf.parent)
        definition = parent.fields.get(nf.name) if isinstance(parent, GraphQLObjectType) else None
        for name in names:
            value = given.get(name)
            if isinstance(value, IntValueNode):
                constants.append(int(value.value))
            elif isinstance(value, VariableNode):
                variables.append(value.name.value)
            elif value is None and definition is not None and name in definition.args:
                default = definition.args[name].default_value
                if isinstance(default, int) and not isinstance(default, bool):
                    constants.append(default)
        floor = max(constants) if constants else None
        return (floor if floor is not None else fallback), tuple(variables), floor


def actual_cost(data: Any, fields: list[NField], rules: CostRules, mutation: bool) -> int:
    """The cost of what was returned: each object returned costs its weight, each list its items."""

    def value_cost(value: Any, nf: NField, weight: int) -> int:
        if value is None:
            return 0
        if isinstance(value, list):
            return sum(value_cost(v, nf, weight) for v in value)
        if isinstance(value, dict) and nf.children:
            kids = nf.children.get(value.get("__typename", nf.named)) or next(iter(nf.children.values()))
            return weight + object_cost(value, kids)
        return weight

    def object_cost(obj: dict[str, Any], fs: list[NField]) -> int:
        total = 0
        for nf in fs:
            if nf.type is None or nf.key not in obj:
                continue
            weight = rules.field_weight.get((nf.parent, nf.name))
            if weight is None:
                weight = rules.type_weight.get(nf.named, 0 if nf.leaf else 1)
            total += value_cost(obj[nf.key], nf, weight)
        return total

    return (MUTATION_COST if mutation else 0) + (object_cost(data, fields) if isinstance(data, dict) else 0)
