"""Per-plan precomputation for the entity cache: done once when a plan is first used with the
cache on, never per request.

For each Fetch: whether it is cacheable and for how long (the smallest `maxAge` among the
hinted types and fields it selects), whether it is auth-scoped (its entries are keyed by the
caller's credentials), its key prefix (namespace, subgraph, type, selection hash), and where the
entities sit in its answer (to tag entries for invalidation). For the whole plan: the
`Cache-Control` header a response that used only these fetches may carry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLUnionType,
    InlineFragmentNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
    print_ast,
)

from gateway.cache.config import EntityCacheConfig, MutationRule
from gateway.cache.hints import CacheHints
from gateway.cache.tags import TagPath
from gateway.plan.nodes import Defer, Fetch, Flatten, PlanNode, QueryPlan, Subscription
from gateway.supergraph.join import Supergraph, field_set_names

MEMO_SIZE = 8192


@dataclass(frozen=True)
class TypePlan:
    """One entity type of an `_entities` fetch."""

    ttl: int | None  # None: not cached
    prefix: str
    key_fields: tuple[str, ...]  # the type's tag key, read from the representation
    tag_paths: tuple[TagPath, ...]  # relative to the entity
    static_tags: frozenset[str]
    fields: tuple[str, ...] = ()  # the entity's fields the entry holds (its `f:` tags)


@dataclass(frozen=True)
class FetchCachePlan:
    kind: str  # "entity" | "root" | "mutation"
    ttl: int | None  # None: not cacheable (the smallest TTL for an entity fetch's cached types)
    scoped: bool  # keyed by credentials, answered `private`
    private: bool  # a PRIVATE hint: not for shared caches in front of the gateway
    prefix: str = ""
    tag_paths: tuple[TagPath, ...] = ()
    static_tags: frozenset[str] = frozenset()
    types: dict[str, TypePlan] = field(default_factory=dict)
    # mutations, per root field: (response key, its rule or None, the rule's argument: a variable
    # name ("$v") or the input fields an inline object sets)
    root_fields: tuple[tuple[str, MutationRule | None, str | tuple[str, ...] | None], ...] = ()


@dataclass(frozen=True)
class PlanCacheInfo:
    fetches: dict[int, FetchCachePlan]  # by id() of the plan's Fetch nodes (the plan keeps them alive)
    cache_control: str  # for responses without errors that bypassed nothing


def _unwrap(t: GraphQLOutputType) -> tuple[GraphQLNamedType, int]:
    depth = 0
    while isinstance(t, GraphQLNonNull | GraphQLList):
        if isinstance(t, GraphQLList):
            depth += 1
        t = t.of_type
    return t, depth


class Analyzer:
    """Knows the supergraph, its hints and the config; analyses fetches (memoised per operation)."""

    def __init__(self, supergraph: Supergraph, hints: CacheHints, config: EntityCacheConfig) -> None:
        self.sg = supergraph
        self.schema = supergraph.schema
        self.hints = hints
        self.config = config
        self.dependent_types = config.dependent_names()
        self._tag_keys: dict[str, tuple[str, ...]] = {}
        self._memo: dict[tuple[str, str, bool], FetchCachePlan] = {}

    def tag_key(self, type_name: str) -> tuple[str, ...]:
        """The key fields that name an entity in tags: the first @key declared for the type."""
        cached = self._tag_keys.get(type_name)
        if cached is None:
            cached = ()
            for rec in self.sg.types.get(type_name, {}).values():
                if rec.keys:
                    cached = tuple(field_set_names(rec.keys[0].selection))
                    break
            self._tag_keys[type_name] = cached
        return cached

    def is_entity(self, type_name: str) -> bool:
        return bool(self.tag_key(type_name))

    # ------------------------------------------------------------------ plans
    def plan(self, plan: QueryPlan) -> PlanCacheInfo:
        fetches: dict[int, FetchCachePlan] = {}
        for f in _fetches(plan.node):
            fetches[id(f)] = self.fetch(f)
        return PlanCacheInfo(fetches, _cache_control(list(fetches.values()), bool(plan.local_fields)))

    def fetch(self, fetch: Fetch) -> FetchCachePlan:
        memo_key = (fetch.service, fetch.operation, fetch.is_entity_fetch)
        cached = self._memo.get(memo_key)
        if cached is None:
            cached = self._analyse(fetch)
            if len(self._memo) >= MEMO_SIZE:  # bounded like the plan cache (any number of documents)
                self._memo.clear()
            self._memo[memo_key] = cached
        return cached

    def _analyse(self, fetch: Fetch) -> FetchCachePlan:
        doc = parse(fetch.operation, no_location=True)
        fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
        op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
        # The selection, not the operation's name: clients naming their operations differently
        # share entries for the same fields.
        selected = print_ast(op.selection_set) + "".join(print_ast(f) for f in fragments.values())
        digest = hashlib.sha256(selected.encode()).hexdigest()[:16]
        ns = self.config.namespace
        if fetch.is_entity_fetch:
            return self._entities(fetch, op, fragments, digest)
        is_mutation = fetch.operation_kind == "mutation"
        root = self.schema.mutation_type if is_mutation else self.schema.query_type
        walk = _Walk(self, fragments)
        assert root is not None
        walk.root(root, op.selection_set)
        ttl = None if is_mutation or walk.unhinted_root else walk.ttl
        roots = tuple(
            ((n.alias or n.name).value, rule, _argument(n, rule))
            for n in walk._fields(root, op.selection_set)
            if not n.name.value.startswith("__")
            for rule in (self.config.mutations.get(n.name.value),)
        ) if is_mutation else ()
        return FetchCachePlan(
            root_fields=roots,
            kind="mutation" if is_mutation else "root",
            ttl=ttl or None,
            scoped=walk.scoped,
            private=walk.private,
            prefix=f"{ns}r:{fetch.service}:{digest}:",
            tag_paths=tuple(walk.paths),
            static_tags=frozenset(walk.static),
        )

    def _entities(
        self, fetch: Fetch, op: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode], digest: str
    ) -> FetchCachePlan:
        ns = self.config.namespace
        entities = next(s for s in op.selection_set.selections if isinstance(s, FieldNode))
        types: dict[str, TypePlan] = {}
        scoped = private = False
        for sel in entities.selection_set.selections if entities.selection_set else ():
            if not isinstance(sel, InlineFragmentNode) or sel.type_condition is None:
                continue
            tname = sel.type_condition.name.value
            t = self.schema.get_type(tname)
            if not isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
                continue
            walk = _Walk(self, fragments)
            walk.selection(t, sel.selection_set, ())
            base = self.hints.type_max_age(tname)
            ttl = None if base is None else min(base, walk.ttl) if walk.ttl is not None else base
            scoped = scoped or walk.scoped or self.hints.scoped(tname)
            private = private or walk.private or self.hints.type_private(tname)
            key = self.tag_key(tname)
            types[tname] = TypePlan(
                ttl=ttl or None,
                prefix=f"{ns}e:{fetch.service}:{tname}:{digest}:",
                key_fields=key,
                tag_paths=tuple(walk.paths),
                static_tags=frozenset(walk.static),
                fields=walk.field_names(sel.selection_set, tname, tname, key),
            )
        ttls = [tp.ttl for tp in types.values()]
        overall = None if not ttls or any(t is None for t in ttls) else min(t for t in ttls if t is not None)
        return FetchCachePlan(kind="entity", ttl=overall, scoped=scoped, private=private, types=types)


class _Walk:
    """One walk over a fetch's selection: TTL, scope, and where entities are."""

    def __init__(self, analyzer: Analyzer, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.a = analyzer
        self.fragments = fragments
        self.ttl: int | None = None
        self.scoped = False
        self.private = False
        self.unhinted_root = False
        self.paths: list[TagPath] = []
        self.static: set[str] = set()

    def _constrain(self, age: int | None) -> None:
        if age is not None:
            self.ttl = age if self.ttl is None else min(self.ttl, age)

    def root(self, root: GraphQLObjectType, selection_set: SelectionSetNode) -> None:
        """Root fields are cacheable only with a hint: their own, or their return type's."""
        for node in self._fields(root, selection_set):
            if node.name.value.startswith("__"):
                continue
            fdef = root.fields.get(node.name.value)
            if fdef is None:
                continue
            named, _ = _unwrap(fdef.type)
            h = self.a.hints.field(root.name, node.name.value)
            age = h.max_age if h is not None and h.max_age is not None else self.a.hints.type_max_age(named.name)
            if not age:
                self.unhinted_root = True
        self.selection(root, selection_set, ())

    def _fields(self, parent: GraphQLNamedType, selection_set: SelectionSetNode) -> list[FieldNode]:
        out: list[FieldNode] = []
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                out.append(s)
            elif isinstance(s, InlineFragmentNode):
                out.extend(self._fields(parent, s.selection_set))
            elif isinstance(s, FragmentSpreadNode) and s.name.value in self.fragments:
                out.extend(self._fields(parent, self.fragments[s.name.value].selection_set))
        return out

    def selection(self, parent: GraphQLNamedType, selection_set: SelectionSetNode, path: tuple[str, ...]) -> None:
        hints = self.a.hints
        for s in selection_set.selections:
            if isinstance(s, InlineFragmentNode):
                target = self.a.schema.get_type(s.type_condition.name.value) if s.type_condition else parent
                self.selection(target or parent, s.selection_set, path)
                continue
            if isinstance(s, FragmentSpreadNode):
                frag = self.fragments.get(s.name.value)
                if frag is not None:
                    target = self.a.schema.get_type(frag.type_condition.name.value)
                    self.selection(target or parent, frag.selection_set, path)
                continue
            if not isinstance(s, FieldNode) or s.name.value.startswith("__"):
                continue
            fields = getattr(parent, "fields", None) or {}
            fdef = fields.get(s.name.value)
            if fdef is None:
                continue
            h = hints.field(parent.name, s.name.value)
            if h is not None:
                self._constrain(h.max_age)
                self.private = self.private or h.private
            if hints.scoped(parent.name, s.name.value):
                self.scoped = True
            coordinate = f"{parent.name}.{s.name.value}"
            if coordinate in self.a.dependent_types:  # a field named as a dependent (Nation.metrics)
                self.static.add("t:" + coordinate)
            named, depth = _unwrap(fdef.type)
            if s.selection_set is None:
                continue
            sub = (*path, (s.alias or s.name).value, *("@",) * depth)
            th = hints.types.get(named.name)
            if th is not None:
                self._constrain(th.max_age)
                self.private = self.private or th.private
            if hints.scoped(named.name):
                self.scoped = True
            self._entities_at(named, s.selection_set, sub, depth > 0)
            self.selection(named, s.selection_set, sub)

    def _entities_at(self, named: GraphQLNamedType, selection_set: SelectionSetNode, path: tuple[str, ...], in_list: bool) -> None:
        if isinstance(named, GraphQLObjectType):
            candidates: list[tuple[str, frozenset[str] | None]] = [(named.name, None)]
        elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            candidates = [(t.name, frozenset({t.name})) for t in self.a.schema.get_possible_types(named)]
        else:
            return
        for tname, only in candidates:
            if tname in self.a.dependent_types:
                self.static.add("t:" + tname)
            key = self.a.tag_key(tname)
            if not key:
                continue
            chosen = self._response_keys(selection_set, tname, named.name, key)
            held = self.field_names(selection_set, tname, named.name, key)
            self.paths.append(TagPath(path, tname, only, chosen, in_list, held))

    def field_names(
        self, selection_set: SelectionSetNode, tname: str, abstract: str, key: tuple[str, ...]
    ) -> tuple[str, ...]:
        """The fields of `tname` this selection holds (fragments included), less the key's."""
        names = (n.name.value for n in self._fields_of(selection_set, tname, abstract, spreads=True))
        return tuple(dict.fromkeys(n for n in names if n not in key and not n.startswith("__")))

    def _response_keys(self, selection_set: SelectionSetNode, tname: str, abstract: str, key: tuple[str, ...]) -> tuple[str, ...]:
        """Where the key fields appear in the answer (their response keys), () if not all selected."""
        found: dict[str, str] = {}
        for s in self._fields_of(selection_set, tname, abstract, spreads=False):
            if s.name.value in key and s.selection_set is None:
                found.setdefault(s.name.value, (s.alias or s.name).value)
        return tuple(found[k] for k in key) if all(k in found for k in key) else ()

    def _fields_of(
        self, selection_set: SelectionSetNode, tname: str, abstract: str, *, spreads: bool
    ) -> Iterator[FieldNode]:
        """The fields selected at this level on `tname` (or the abstract type it is reached
        through), through inline fragments and, with `spreads`, named ones."""
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                yield s
            elif isinstance(s, InlineFragmentNode):
                tc = s.type_condition.name.value if s.type_condition else None
                if tc in (None, tname, abstract):
                    yield from self._fields_of(s.selection_set, tname, abstract, spreads=spreads)
            elif spreads and isinstance(s, FragmentSpreadNode) and s.name.value in self.fragments:
                frag = self.fragments[s.name.value]
                if frag.type_condition.name.value in (tname, abstract):
                    yield from self._fields_of(frag.selection_set, tname, abstract, spreads=spreads)


def _argument(node: FieldNode, rule: MutationRule | None) -> str | tuple[str, ...] | None:
    """Where the rule's argument comes from: "$name" for a variable, else the fields an inline
    object literal sets (its values are fixed in the operation text)."""
    if rule is None or rule.argument is None:
        return None
    for arg in node.arguments or ():
        if arg.name.value != rule.argument:
            continue
        if isinstance(arg.value, VariableNode):
            return "$" + arg.value.name.value
        if isinstance(arg.value, ObjectValueNode):
            return tuple(f.name.value for f in arg.value.fields)
    return None


def _fetches(node: PlanNode | None) -> list[Fetch]:
    if node is None:
        return []
    if isinstance(node, Fetch):
        return [node]
    if isinstance(node, Flatten):
        return [node.node]
    if isinstance(node, Defer):  # every part's fetches: each part reads and fills the cache too
        return _fetches(node.primary) + [f for d in node.deferred for f in _fetches(d.node)]
    if isinstance(node, Subscription):
        return [node.primary, *_fetches(node.rest)]
    return [f for n in node.nodes for f in _fetches(n)]


def _cache_control(plans: list[FetchCachePlan], local: bool) -> str:
    if not plans and local:
        return "no-store"  # introspection: not data, nothing to cache
    if any(p.kind == "mutation" or p.ttl is None for p in plans):
        return "no-store"
    age = min(p.ttl for p in plans if p.ttl is not None) if plans else 0
    if any(p.scoped or p.private for p in plans):
        return f"private, max-age={age}"
    return f"public, max-age={age}"
