"""Are the plans right? Every fetch's operation must parse and (for the generated graph, whose
subgraph SDLs we have) validate against the schema of the subgraph it is sent to; the number of
fetches must be plausible and is compared with Apollo's plan of the same operation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_ast_schema,
    get_named_type,
    parse,
    validate,
    visit,
)

from gateway.plan.nodes import Fetch, Flatten, PlanNode, QueryPlan

from .generate import GeneratedGraph
from .sdl import SubgraphDef

OPERATION_NAME = re.compile(r"\s*(query|mutation|subscription)\s+([^\s({]+)")
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")

# What a federation library adds to a subgraph's schema, as far as a fetch can see it.
FEDERATION_DEFINITIONS = """
scalar _Any
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @external on OBJECT | FIELD_DEFINITION
directive @requires(fields: String!) on FIELD_DEFINITION
directive @provides(fields: String!) on FIELD_DEFINITION
directive @interfaceObject on OBJECT
"""


def subgraph_schema(sub: SubgraphDef) -> GraphQLSchema:
    """The schema the subgraph serves: its SDL plus `_Any`, `_Entity` and `Query._entities`."""
    body = sub.sdl().split("\n", 1)[1]  # without `extend schema @link(...)`
    entities = sorted(
        t.name for t in sub.types.values()
        if t.kind == "type" and any(d.startswith("@key") for d in t.directives)
    )
    extra = FEDERATION_DEFINITIONS
    if entities:
        extra += f"union _Entity = {' | '.join(entities)}\n"
        field = "_entities(representations: [_Any!]!): [_Entity]!"
        extra += f"extend type Query {{ {field} }}\n" if "Query" in sub.types else f"type Query {{ {field} }}\n"
    return build_ast_schema(parse(body + extra))


def fetches(node: PlanNode | None) -> list[Fetch]:
    if node is None:
        return []
    if isinstance(node, Fetch):
        return [node]
    if isinstance(node, Flatten):
        return [node.node]
    return [f for n in node.nodes for f in fetches(n)]


@dataclass
class PlanCheck:
    name: str
    fetches: int
    apollo_fetches: int | None
    problems: list[str] = field(default_factory=list)
    same_services: bool | None = None  # the same set of subgraphs fetched as Apollo's plan

    @property
    def ok(self) -> bool:
        return not self.problems


class PlanValidator:
    def __init__(self, graph: GeneratedGraph | None) -> None:
        self.subgraphs = {s.name: s for s in graph.subgraphs} if graph else {}
        self._schemas: dict[str, GraphQLSchema] = {}

    def schema(self, service: str) -> GraphQLSchema | None:
        sub = self.subgraphs.get(service)
        if sub is None:
            return None
        if service not in self._schemas:
            self._schemas[service] = subgraph_schema(sub)
        return self._schemas[service]

    def operation_problems(self, service: str, operation: str) -> list[str]:
        problems = []
        try:
            doc = parse(operation)
        except GraphQLError as e:
            # An operation name that is not a GraphQL name (the subgraph's name copied in, with
            # its "-") fails the whole fetch: report it, then look at the rest of the operation.
            m = OPERATION_NAME.match(operation)
            if m is None or NAME.fullmatch(m.group(2)):
                return [f"{service}: the fetch does not parse: {e.message}"]
            problems.append(f"{service}: invalid operation name {m.group(2)!r}: the fetch does not parse")
            doc = parse(operation[: m.start(2)] + re.sub(r"[^_0-9A-Za-z]", "_", m.group(2)) + operation[m.end(2):])
        schema = self.schema(service)
        if schema is None:
            return problems
        errors = validate(schema, doc)
        problems += [f"{service}: {e.message}" for e in errors]
        if not errors:
            problems += [f"{service}: {p}" for p in self._requires_problems(service, schema, doc)]
        return problems

    def _requires_problems(self, service: str, schema: GraphQLSchema, doc: Any) -> list[str]:
        """A field with @requires in this subgraph can only be resolved from an `_entities`
        representation that carries what it requires: selected anywhere else, the subgraph
        computes it without its inputs."""
        sub = self.subgraphs[service]
        info = TypeInfo(schema)
        found: list[str] = []

        class Requires(Visitor):
            def enter_field(self, node: FieldNode, _key: Any, _parent: Any, _path: Any, ancestors: Any) -> None:
                parent = info.get_parent_type()
                if parent is None:
                    return
                t = sub.types.get(get_named_type(parent).name)
                f = t.fields.get(node.name.value) if t else None
                if f is None or "@requires" not in f.directives:
                    return
                outer = [a for a in ancestors if isinstance(a, FieldNode)]
                if not outer or outer[-1].name.value != "_entities":
                    found.append(f"{parent.name}.{f.name} ({f.directives}) is selected outside "
                                 "an entity fetch: its required fields are never sent")

        visit(doc, TypeInfoVisitor(info, Requires()))
        return found

    def check(self, name: str, plan: QueryPlan, apollo: dict[str, Any] | None) -> PlanCheck:
        ours = fetches(plan.node)
        result = PlanCheck(name, len(ours), apollo.get("fetches") if apollo else None)
        if len(ours) != plan.fetch_count:
            result.problems.append(f"plan.fetch_count {plan.fetch_count} but {len(ours)} Fetch nodes")
        if not ours:
            result.problems.append("no fetch at all")
        for f in ours:
            result.problems += self.operation_problems(f.service, f.operation)
        if apollo and "fetch_list" in apollo:
            result.same_services = {f.service for f in ours} == {f["service"] for f in apollo["fetch_list"]}
            # the validator itself is checked on Apollo's fetches: they must pass too
            for f in apollo["fetch_list"]:
                for p in self.operation_problems(f["service"], f["operation"]):
                    result.problems.append(f"(Apollo's plan) {p}")
            if result.apollo_fetches is not None and len(ours) > 2 * result.apollo_fetches + 2:
                result.problems.append(f"{len(ours)} fetches where Apollo needs {result.apollo_fetches}")
        return result
