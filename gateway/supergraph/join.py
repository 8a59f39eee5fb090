"""The supergraph as data: which subgraph knows which type, key and field (`@join__*` records).

`Supergraph` answers the planner's questions: can graph G resolve `T.f`? which keys of T does G
resolve? which types implement I in G? It reads join v0.1 (Fed 1, `@core` + `@join__owner`) to v0.5.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldNode,
    GraphQLSchema,
    InlineFragmentNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SelectionSetNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
    value_from_ast_untyped,
)
from graphql.language import ConstDirectiveNode

from gateway.supergraph.links import Links, read_links
from gateway.supergraph.sdl_parser import Unsupported, parse_sdl


class SupergraphError(Exception):
    """The document is not a supergraph we can serve."""


@dataclass(frozen=True)
class Graph:
    id: str  # the join__Graph enum value, e.g. "ACCOUNTS"
    name: str  # the subgraph's name, e.g. "accounts"
    url: str


@dataclass(frozen=True)
class Key:
    fields: str
    selection: SelectionSetNode
    resolvable: bool


@dataclass
class TypeInGraph:
    graph: str
    keys: list[Key] = field(default_factory=list)
    extension: bool = False
    is_interface_object: bool = False


@dataclass(frozen=True)
class FieldInGraph:
    graph: str | None  # None: the field exists in the supergraph but no subgraph resolves it directly
    requires: SelectionSetNode | None = None
    provides: SelectionSetNode | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    override_label: str | None = None


@functools.lru_cache(maxsize=4096)
def parse_field_set(fields: str) -> SelectionSetNode:
    """A `FieldSet` string ("id organization { id }") as a selection set."""
    doc = parse("{" + fields + "}", no_location=True)
    op = doc.definitions[0]
    return op.selection_set  # type: ignore[attr-defined]  # `{...}` parses to one operation


def field_set_names(selection: SelectionSetNode) -> list[str]:
    """Top-level field names of a field set (fragments flattened)."""
    names: list[str] = []
    for s in selection.selections:
        if isinstance(s, FieldNode):
            names.append(s.name.value)
        elif isinstance(s, InlineFragmentNode):
            names.extend(field_set_names(s.selection_set))
    return names


_TYPE_NODES = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
)


def _args(d: ConstDirectiveNode) -> dict[str, object]:
    return {a.name.value: value_from_ast_untyped(a.value) for a in d.arguments or ()}


class Supergraph:
    """Parsed supergraph: the full schema plus the join records, indexed for the planner."""

    def __init__(self, sdl: str) -> None:
        self.sdl = sdl
        self.id = hashlib.sha256(sdl.encode()).hexdigest()[:16]
        try:
            self.document: DocumentNode = parse_sdl(sdl)
        except Unsupported:
            try:  # graphql-core's parser: anything unusual, and the proper syntax errors
                self.document = parse(sdl, no_location=True)
            except Exception as e:  # graphql.GraphQLError
                raise SupergraphError(f"supergraph does not parse: {e}") from e
        self.links: Links = read_links(self.document)
        if "join" not in self.links.specs:
            raise SupergraphError("not a supergraph: it links no join spec (@link or @core of .../join/vX)")
        try:
            self.schema: GraphQLSchema = build_ast_schema(self.document, assume_valid_sdl=True)
        except Exception as e:
            raise SupergraphError(f"supergraph schema does not build: {e}") from e
        self.graphs: dict[str, Graph] = {}
        self.types: dict[str, dict[str, TypeInGraph]] = {}
        self.owner: dict[str, str] = {}  # Fed 1 @join__owner
        self.fields: dict[tuple[str, str], list[FieldInGraph]] = {}
        self.implements: dict[str, dict[str, set[str]]] = {}  # type -> graph -> interfaces
        self.union_members: dict[str, dict[str, set[str]]] = {}  # union -> graph -> members
        self.enum_values: dict[tuple[str, str], set[str]] = {}  # (enum, value) -> graphs
        self._read()
        self.graph_order = list(self.graphs)
        self._resolvable_cache: dict[tuple[str, str, str, frozenset[str]], bool] = {}
        self._graphs_cache: dict[tuple[str, str, frozenset[str]], list[str]] = {}

    # ---------------------------------------------------------------- reading
    def _d(self, name: str) -> str | None:
        return self.links.directive("join", name)

    def _read(self) -> None:
        graph_enum = self.links.type_name("join", "Graph")
        d_graph, d_type, d_field = self._d("graph"), self._d("type"), self._d("field")
        d_owner, d_impl, d_member = self._d("owner"), self._d("implements"), self._d("unionMember")
        d_enum_value = self._d("enumValue")
        for definition in self.document.definitions:
            if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == graph_enum:
                for value in definition.values or ():
                    for d in value.directives or ():
                        if d.name.value == d_graph:
                            a = _args(d)
                            self.graphs[value.name.value] = Graph(
                                value.name.value, str(a.get("name")), str(a.get("url"))
                            )
        if not self.graphs:
            raise SupergraphError("supergraph declares no subgraphs (join__Graph has no @join__graph values)")
        for definition in self.document.definitions:
            if not isinstance(definition, _TYPE_NODES):
                continue
            tname = definition.name.value
            if self.links.is_machinery(tname):
                continue
            for d in definition.directives or ():
                dn = d.name.value
                a = _args(d)
                if dn == d_type:
                    g = str(a["graph"])
                    tig = self.types.setdefault(tname, {}).setdefault(g, TypeInGraph(g))
                    if a.get("extension"):
                        tig.extension = True
                    if a.get("isInterfaceObject"):
                        tig.is_interface_object = True
                    key = a.get("key")
                    if isinstance(key, str):
                        resolvable = a.get("resolvable")
                        tig.keys.append(Key(key, parse_field_set(key), resolvable is not False))
                elif dn == d_owner:
                    self.owner[tname] = str(a["graph"])
                elif dn == d_impl:
                    self.implements.setdefault(tname, {}).setdefault(str(a["graph"]), set()).add(
                        str(a["interface"])
                    )
                elif dn == d_member:
                    self.union_members.setdefault(tname, {}).setdefault(str(a["graph"]), set()).add(
                        str(a["member"])
                    )
            if isinstance(definition, EnumTypeDefinitionNode | EnumTypeExtensionNode):
                for value in definition.values or ():
                    for d in value.directives or ():
                        if d.name.value == d_enum_value:
                            self.enum_values.setdefault((tname, value.name.value), set()).add(
                                str(_args(d)["graph"])
                            )
            fields = getattr(definition, "fields", None) or ()
            for fdef in fields:
                records = []
                for d in fdef.directives or ():
                    if d.name.value != d_field:
                        continue
                    a = _args(d)
                    requires, provides = a.get("requires"), a.get("provides")
                    records.append(
                        FieldInGraph(
                            graph=str(a["graph"]) if a.get("graph") is not None else None,
                            requires=parse_field_set(requires) if isinstance(requires, str) else None,
                            provides=parse_field_set(provides) if isinstance(provides, str) else None,
                            type=field_type if isinstance(field_type := a.get("type"), str) else None,
                            external=bool(a.get("external")),
                            override=source if isinstance(source := a.get("override"), str) else None,
                            used_overridden=bool(a.get("usedOverridden")),
                            override_label=label if isinstance(label := a.get("overrideLabel"), str) else None,
                        )
                    )
                if records:
                    self.fields.setdefault((tname, fdef.name.value), []).extend(records)

    # ---------------------------------------------------------------- questions
    def graph_name(self, graph: str) -> str:
        return self.graphs[graph].name

    def graphs_of_type(self, type_name: str) -> list[str]:
        """Graphs that know the type; a type with no join__type records is known everywhere."""
        records = self.types.get(type_name)
        if not records:
            owner = self.owner.get(type_name)
            return [owner] if owner else list(self.graphs)
        return list(records)

    def type_in_graph(self, type_name: str, graph: str) -> bool:
        records = self.types.get(type_name)
        if not records:
            return True
        return graph in records

    def is_interface_object(self, type_name: str, graph: str) -> bool:
        rec = self.types.get(type_name, {}).get(graph)
        return rec is not None and rec.is_interface_object

    def keys(self, type_name: str, graph: str) -> list[Key]:
        rec = self.types.get(type_name, {}).get(graph)
        return rec.keys if rec else []

    def resolvable_keys(self, type_name: str, graph: str) -> list[Key]:
        return [k for k in self.keys(type_name, graph) if k.resolvable]

    def field_records(self, type_name: str, field_name: str) -> list[FieldInGraph]:
        return self.fields.get((type_name, field_name), [])

    def field_record(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        for r in self.fields.get((type_name, field_name), ()):
            if r.graph == graph:
                return r
        return None

    def resolves(
        self, type_name: str, field_name: str, graph: str, labels: frozenset[str] = frozenset()
    ) -> bool:
        """Whether `graph` serves `type_name.field_name` (not external, not overridden away)."""
        key = (type_name, field_name, graph, labels)
        cached = self._resolvable_cache.get(key)
        if cached is not None:
            return cached
        result = self._resolves(type_name, field_name, graph, labels)
        self._resolvable_cache[key] = result
        return result

    def _resolves(self, type_name: str, field_name: str, graph: str, labels: frozenset[str]) -> bool:
        if not self.type_in_graph(type_name, graph) or not self.interface_has_field(type_name, field_name):
            return False
        records = self.fields.get((type_name, field_name))
        if self.links.federation1 and any(
            field_name in field_set_names(k.selection) for k in self.keys(type_name, graph)
        ):
            # Fed 1: a service that declares a key can resolve the key's fields (it receives them).
            return True
        if not records:
            owner = self.owner.get(type_name)
            if owner is not None and self.links.federation1:
                # Fed 1: fields without @join__field belong to the owning service.
                return owner == graph
            return True
        for r in records:
            if r.graph != graph:
                continue
            if r.external or r.used_overridden:
                return False
            if r.override_label is not None:
                # Progressive override: the overriding record serves the field while the label is on,
                # the overridden record (same label, no `override`) while it is off.
                active = r.override_label in labels
                return active if r.override is not None else not active
            return True
        return False

    def can_select_for_key(self, type_name: str, field_name: str, graph: str) -> bool:
        """Whether `graph` can put `T.field` in a representation: served, or a key field it declares."""
        if self.resolves(type_name, field_name, graph):
            return True
        r = self.field_record(type_name, field_name, graph)
        if r is not None and r.used_overridden:
            return True
        if r is not None and r.external:
            # An @external key field is only the subgraph's to return on a Fed 1 style extension
            # (`extend type`), which receives it in representations; elsewhere it cannot serve it.
            rec = self.types.get(type_name, {}).get(graph)
            if not (self.links.federation1 or (rec is not None and rec.extension)):
                return False
        return any(field_name in field_set_names(k.selection) for k in self.keys(type_name, graph))

    def possible_types_in_graph(self, abstract: str, graph: str) -> set[str]:
        """Object types a field of abstract type can return from `graph`."""
        members = self.union_members.get(abstract)
        if members is not None:
            return set(members.get(graph, ()))
        if abstract in self.union_members or self._is_union(abstract):
            # join v0.1/v0.2: no member records; every member known to the graph.
            return {t.name for t in self.schema.get_possible_types(self.schema.get_type(abstract))  # type: ignore[arg-type]  # a union here
                    if self.type_in_graph(t.name, graph)}
        result: set[str] = set()
        iface = self.schema.get_type(abstract)
        if iface is None:
            return result
        for t in self.schema.get_possible_types(iface):  # type: ignore[arg-type]  # an interface: not a union, not an object
            impl = self.implements.get(t.name)
            if impl is not None:
                if abstract in impl.get(graph, ()):
                    result.add(t.name)
            elif self.type_in_graph(t.name, graph):
                result.add(t.name)
        return result

    def _is_union(self, name: str) -> bool:
        from graphql import GraphQLUnionType

        return isinstance(self.schema.get_type(name), GraphQLUnionType)

    def graphs_resolving(self, type_name: str, field_name: str, labels: frozenset[str]) -> list[str]:
        key = (type_name, field_name, labels)
        cached = self._graphs_cache.get(key)
        if cached is None:
            # Only graphs that know the type can serve its fields: no need to ask all of them.
            known = self.graphs_of_type(type_name)
            cached = [g for g in self.graph_order if g in known and self.resolves(type_name, field_name, g, labels)]
            self._graphs_cache[key] = cached
        return cached

    def interface_has_field(self, interface: str, field_name: str) -> bool:
        t = self.schema.get_type(interface)
        return field_name in getattr(t, "fields", {})

    def interface_objects_of(self, type_name: str) -> Iterable[tuple[str, str]]:
        """(interface, graph) pairs where an interface of `type_name` is an @interfaceObject."""
        obj = self.schema.get_type(type_name)
        for iface in getattr(obj, "interfaces", ()):
            for g, rec in self.types.get(iface.name, {}).items():
                if rec.is_interface_object:
                    yield iface.name, g
