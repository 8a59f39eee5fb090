"""Realistic operations over the generated graph, derived from its API schema and ownership.

Kinds: `chain` (deep entity chains: every hop goes to a field another subgraph resolves),
`interface` (named and inline fragments on a domain interface, interface-object fields),
`events` (an interface whose implementations differ per subgraph), `union` (search results whose
members differ per subgraph), `requires` and `provides` (fields computed from, or returned with,
fields of other subgraphs), `wide` (every field of one entity: one fetch per subgraph) and
`mixed` (several roots at once, like a page query). Deterministic for a given graph and seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    get_named_type,
    parse,
    print_ast,
    validate,
)

from .generate import GeneratedGraph

CHAINS = 8
MAX_CHAIN_DEPTH = 8


@dataclass(frozen=True)
class GeneratedOperation:
    name: str
    kind: str
    text: str
    variables: dict[str, Any] = field(default_factory=dict)


def _is_leaf(t: GraphQLNamedType) -> bool:
    return isinstance(t, GraphQLScalarType | GraphQLEnumType)


def _needs_args(f: GraphQLField) -> bool:
    return any(isinstance(a.type, GraphQLNonNull) and a.default_value is None for a in f.args.values())


class OperationWriter:
    def __init__(self, graph: GeneratedGraph, api: GraphQLSchema, seed: int) -> None:
        self.graph = graph
        self.api = api
        self.rng = random.Random(seed)
        self.owners = graph.ownership.owners
        query = api.query_type
        assert query is not None
        self.query = query

    # ------------------------------------------------------------ selections
    def owners_of(self, type_name: str, field_name: str) -> list[str]:
        return self.owners.get((type_name, field_name), [])

    def leaf(self, t: GraphQLObjectType | GraphQLInterfaceType, name: str) -> str:
        """A field with no further entity hops: a scalar, or a value type with all its fields."""
        named = get_named_type(t.fields[name].type)
        if _is_leaf(named):
            return name
        assert isinstance(named, GraphQLObjectType)
        return f"{name} {{ {' '.join(n for n in named.fields)} }}"

    def leaves(self, t: GraphQLObjectType | GraphQLInterfaceType) -> list[str]:
        out = []
        for name, f in t.fields.items():
            named = get_named_type(f.type)
            if _needs_args(f):
                continue
            if _is_leaf(named) or (isinstance(named, GraphQLObjectType) and not self._is_entity(named)):
                out.append(name)
        return out

    def _is_entity(self, t: GraphQLNamedType) -> bool:
        return t.name in self.graph.entities

    def refs(self, t: GraphQLObjectType | GraphQLInterfaceType) -> list[str]:
        """Fields that lead to another entity (or an abstract type) and need no arguments."""
        return [
            name for name, f in t.fields.items()
            if not _needs_args(f) and not _is_leaf(get_named_type(f.type)) and (
                self._is_entity(get_named_type(f.type))
                or isinstance(get_named_type(f.type), GraphQLInterfaceType | GraphQLUnionType)
            )
        ]

    def pick_leaves(self, t: GraphQLObjectType | GraphQLInterfaceType, here: str | None, n: int) -> list[str]:
        """`n` leaves: one resolved where we stand (no fetch), the others from other subgraphs."""
        all_leaves = self.leaves(t)
        local = [f for f in all_leaves if here in self.owners_of(t.name, f)]
        remote = [f for f in all_leaves if here not in self.owners_of(t.name, f)]
        chosen = self.rng.sample(local, min(1, len(local))) + self.rng.sample(remote, min(n - 1, len(remote)))
        return [self.leaf(t, f) for f in chosen] or ["__typename"]

    # ------------------------------------------------------------ operation kinds
    def root_entity(self, entity: str) -> tuple[str, dict[str, Any], str]:
        """`entity(key args)` with variables: (field text, variables, variable definitions)."""
        name = entity[0].lower() + entity[1:]
        f = self.query.fields[name]
        args, values, defs = [], {}, []
        for arg_name, arg in f.args.items():
            args.append(f"{arg_name}: ${arg_name}")
            defs.append(f"${arg_name}: {arg.type}")
            values[arg_name] = f"{arg_name}-1"
        return f"{name}({', '.join(args)})", values, ", ".join(defs)

    def chain(self, index: int) -> GeneratedOperation:
        """Deep entity chain: each hop is a field resolved by a subgraph other than the current."""
        entity = self.rng.choice(sorted(self.graph.entities))
        root, variables, defs = self.root_entity(entity)
        here = self.graph.entities[entity].domain
        t = self.api.get_type(entity)
        assert isinstance(t, GraphQLObjectType)
        seen = {entity}
        parts: list[str] = []
        for _ in range(MAX_CHAIN_DEPTH):
            leaves = self.pick_leaves(t, here, 3)
            candidates = [
                r for r in self.refs(t)
                if here not in self.owners_of(t.name, r)
                and isinstance(get_named_type(t.fields[r].type), GraphQLObjectType)
                and get_named_type(t.fields[r].type).name not in seen
            ]
            if not candidates:
                parts.append(" ".join(leaves))
                break
            ref = self.rng.choice(candidates)
            here = self.rng.choice(self.owners_of(t.name, ref))
            nxt = get_named_type(t.fields[ref].type)
            assert isinstance(nxt, GraphQLObjectType)
            seen.add(nxt.name)
            parts.append(" ".join(leaves) + f" {ref} {{")
            t = nxt
        else:
            parts.append(" ".join(self.pick_leaves(t, here, 2)))
        body = " ".join(parts) + " }" * (len(parts) - 1)
        name = f"Chain{index}{entity}"
        return self._op(name, "chain", f"query {name}({defs}) {{ {root} {{ {body} }} }}", variables)

    def interface(self, iface_name: str, index: int) -> GeneratedOperation:
        """A domain interface list: named fragment on the interface, inline fragments on
        implementations, each reaching into satellites."""
        iface = self.api.get_type(iface_name)
        assert isinstance(iface, GraphQLInterfaceType)
        root = next(n for n, f in self.query.fields.items() if get_named_type(f.type) is iface)
        impls = sorted(self.api.get_possible_types(iface), key=lambda o: o.name)
        inline = []
        for impl in self.rng.sample(impls, min(2, len(impls))):
            sel = self.pick_leaves(impl, None, 3)
            refs = [r for r in self.refs(impl) if isinstance(get_named_type(impl.fields[r].type), GraphQLObjectType)]
            if refs:
                ref = self.rng.choice(refs)
                target = get_named_type(impl.fields[ref].type)
                assert isinstance(target, GraphQLObjectType)
                sel.append(f"{ref} {{ {' '.join(self.pick_leaves(target, None, 2))} }}")
            inline.append(f"... on {impl.name} {{ {' '.join(sel)} }}")
        fragment_fields = " ".join(self.leaves(iface))  # includes @interfaceObject fields
        name = f"Interface{index}{iface_name}"
        text = (
            f"query {name} {{ {root}(first: 5) {{ __typename ...{iface_name}Fields {' '.join(inline)} }} }} "
            f"fragment {iface_name}Fields on {iface_name} {{ {fragment_fields} }}"
        )
        return self._op(name, "interface", text, {})

    def events(self, index: int) -> GeneratedOperation | None:
        """`TimelineEvent` lists: the fragments name implementations of several subgraphs, only
        some of which the subgraph that resolves the list can return."""
        sites = sorted(
            (t.name, n) for t in self._objects() for n, f in t.fields.items()
            if get_named_type(f.type).name == "TimelineEvent" and t.name in self.graph.entities
        )
        if not sites:
            return None
        type_name, fname = self.rng.choice(sites)
        iface = self.api.get_type("TimelineEvent")
        assert isinstance(iface, GraphQLInterfaceType)
        impls = sorted(o.name for o in self.api.get_possible_types(iface))
        own_kinds = [k for k in impls if k.startswith(type_name)]
        picked = own_kinds + self.rng.sample([k for k in impls if k not in own_kinds], 2)
        inline = " ".join(f"... on {k} {{ {' '.join(self._leaf_names(k))} }}" for k in picked)
        root, variables, defs = self.root_entity(type_name)
        name = f"Events{index}{type_name}"
        text = f"query {name}({defs}) {{ {root} {{ name {fname} {{ at summary __typename {inline} }} }} }}"
        return self._op(name, "events", text, variables)

    def union(self, root_name: str, index: int) -> GeneratedOperation:
        f = self.query.fields[root_name]
        union = get_named_type(f.type)
        assert isinstance(union, GraphQLUnionType)
        inline = []
        for member in sorted(union.types, key=lambda o: o.name):
            sel = self.pick_leaves(member, None, 2)
            refs = [r for r in self.refs(member) if isinstance(get_named_type(member.fields[r].type), GraphQLObjectType)]
            if refs and self.rng.random() < 0.6:
                ref = self.rng.choice(refs)
                target = get_named_type(member.fields[ref].type)
                assert isinstance(target, GraphQLObjectType)
                sel.append(f"{ref} {{ {' '.join(self.pick_leaves(target, None, 2))} }}")
            inline.append(f"... on {member.name} {{ {' '.join(sel)} }}")
        args = ", ".join(f"{a}: ${a}" for a, arg in f.args.items() if isinstance(arg.type, GraphQLNonNull))
        defs = ", ".join(f"${a}: {arg.type}" for a, arg in f.args.items() if isinstance(arg.type, GraphQLNonNull))
        variables = {a: "lamp" for a, arg in f.args.items() if isinstance(arg.type, GraphQLNonNull)}
        name = f"Union{index}{root_name[0].upper()}{root_name[1:]}"
        call = f"{root_name}({args})" if args else root_name
        head = f"query {name}({defs})" if defs else f"query {name}"
        return self._op(name, "union", f"{head} {{ {call} {{ __typename {' '.join(inline)} }} }}", variables)

    def requires(self, index: int) -> GeneratedOperation:
        """A list of entities with several @requires fields, and one more after an entity hop."""
        by_type: dict[str, list[str]] = {}
        for t, f in sorted(self.graph.ownership.requires):
            by_type.setdefault(t, []).append(f)
        entity = self.rng.choice(sorted(t for t, fs in by_type.items() if len(fs) >= 2))
        entity_type = self.api.get_type(entity)
        assert isinstance(entity_type, GraphQLObjectType)
        fields = by_type[entity]
        hop = ""
        for ref in self.refs(entity_type):
            target = get_named_type(entity_type.fields[ref].type)
            if target.name in by_type and target.name != entity:
                hop = f"{ref} {{ name {' '.join(by_type[target.name][:2])} }}"
                break
        plural = next(n for n, f in self.query.fields.items() if str(f.type) == f"[{entity}!]!")
        name = f"Requires{index}{entity}"
        text = f"query {name} {{ {plural}(first: 10) {{ name {' '.join(fields)} {hop} }} }}"
        return self._op(name, "requires", text, {})

    def provides(self, index: int) -> GeneratedOperation:
        """References that come back with `name` provided, plus a field that must still be fetched."""
        type_name, fname = self.rng.choice(sorted(self.graph.ownership.provides))
        t = self.api.get_type(type_name)
        assert isinstance(t, GraphQLObjectType)
        target = get_named_type(t.fields[fname].type)
        assert isinstance(target, GraphQLObjectType)
        extra = self.pick_leaves(target, None, 2)
        root, variables, defs = self.root_entity(type_name)
        name = f"Provides{index}{type_name}"
        text = (
            f"query {name}({defs}) {{ {root} {{ name {fname} {{ name }} "
            f"again: {fname} {{ name {' '.join(extra)} }} }} }}"
        )
        return self._op(name, "provides", text, variables)

    def wide(self, entity: str, index: int) -> GeneratedOperation:
        """Every leaf field of one entity: a fetch to each subgraph that extends it."""
        t = self.api.get_type(entity)
        assert isinstance(t, GraphQLObjectType)
        root, variables, defs = self.root_entity(entity)
        sel = " ".join(self.leaf(t, f) for f in self.leaves(t))
        name = f"Wide{index}{entity}"
        return self._op(name, "wide", f"query {name}({defs}) {{ {root} {{ {sel} }} }}", variables)

    def mixed(self, parts: list[GeneratedOperation]) -> GeneratedOperation:
        """A page query: the roots of several operations side by side, their fragments merged."""
        bodies, fragments, defs, variables = [], [], [], {}
        for i, op in enumerate(parts):
            doc = parse(op.text)
            main = doc.definitions[0]
            assert isinstance(main, OperationDefinitionNode)
            text = print_ast(main)
            bodies.append(f"p{i}: " + text[text.index("{") + 1 : text.rindex("}")].strip())
            for d in main.variable_definitions or ():
                renamed = f"p{i}{d.variable.name.value}"
                defs.append(f"${renamed}: {print_ast(d.type)}")
                variables[renamed] = op.variables[d.variable.name.value]
                bodies[-1] = bodies[-1].replace(f"${d.variable.name.value}", f"${renamed}")
            fragments += [print_ast(f) for f in doc.definitions[1:]]
        head = f"query PageMixed({', '.join(defs)})" if defs else "query PageMixed"
        return self._op("PageMixed", "mixed", f"{head} {{ {' '.join(bodies)} }} {' '.join(fragments)}", variables)

    # ------------------------------------------------------------ plumbing
    def _objects(self) -> list[GraphQLObjectType]:
        return [t for n, t in sorted(self.api.type_map.items()) if isinstance(t, GraphQLObjectType) and not n.startswith("__")]

    def _leaf_names(self, type_name: str) -> list[str]:
        t = self.api.get_type(type_name)
        assert isinstance(t, GraphQLObjectType)
        return self.leaves(t)

    def _op(self, name: str, kind: str, text: str, variables: dict[str, Any]) -> GeneratedOperation:
        doc = parse(text)
        errors = validate(self.api, doc)
        if errors:
            raise ValueError(f"generated operation {name} is invalid: {errors[0].message}\n{text}")
        return GeneratedOperation(name, kind, print_ast(doc), variables)


def generate_operations(graph: GeneratedGraph, api: GraphQLSchema, seed: int | None = None) -> list[GeneratedOperation]:
    w = OperationWriter(graph, api, graph.seed if seed is None else seed)
    ops: list[GeneratedOperation] = [w.chain(i) for i in range(CHAINS)]
    interfaces = sorted(
        n for n, t in api.type_map.items()
        if isinstance(t, GraphQLInterfaceType) and n != "TimelineEvent" and not n.startswith("__")
    )
    # entity interfaces (with @interfaceObject fields) first, then plain ones
    with_objects = sorted({i for i, _ in graph.ownership.interface_objects})
    plain = [i for i in interfaces if i not in with_objects]
    for i, iface in enumerate(with_objects[:2] + w.rng.sample(plain, 2)):
        ops.append(w.interface(iface, i))
    for i in range(2):
        ev = w.events(i)
        if ev:
            ops.append(ev)
    unions = sorted(
        n for n, f in w.query.fields.items() if isinstance(get_named_type(f.type), GraphQLUnionType)
    )
    for i, root in enumerate(w.rng.sample(unions, min(3, len(unions)))):
        ops.append(w.union(root, i))
    ops += [w.requires(i) for i in range(3)]
    ops += [w.provides(i) for i in range(2)]
    ops += [w.wide(e, i) for i, e in enumerate(("Product", "User"))]
    ops.append(w.mixed([ops[0], ops[CHAINS], ops[-1]]))
    return ops
