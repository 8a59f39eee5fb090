"""Event-driven subscription fields: which root fields the gateway reads from NATS itself.

A subgraph declares them with `@natsSubscribe(subjects:, providerId:, stream:)` and entity
references built from the payload with `@natsReference(key:, from:)` (the feature
`https://specs.charter.dev/edfs/v1.0`, kept in the supergraph by `@composeDirective`), in the
manner of Cosmo's EDFS `@edfs__natsSubscribe`. This module reads those applications once per
supergraph; subjects are rendered per subscription from its arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    value_from_ast_untyped,
)

from gateway.supergraph.links import Links

SPEC = "edfs"
_TEMPLATE = re.compile(r"\{\{\s*args\.([_A-Za-z][_0-9A-Za-z]*)\s*\}\}")
# A subject token taken from an argument: no separators, wildcards or whitespace can get in.
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+$")


class SubjectError(ValueError):
    """An argument value cannot be part of a subject."""


@dataclass(frozen=True)
class EventField:
    field: str  # the Subscription field
    subjects: tuple[str, ...]  # templates
    provider: str
    stream: str | None

    def render(self, args: dict[str, Any]) -> tuple[str, ...]:
        """The subjects for these argument values: a null or missing argument is a wildcard."""

        def value(m: re.Match[str]) -> str:
            v = args.get(m.group(1))
            if v is None:
                return "*"
            text = str(v).lower()
            if not _TOKEN.match(text):
                raise SubjectError(f'argument "{m.group(1)}" has a value that cannot name an event subject: {v!r}')
            return text

        return tuple(sorted({_TEMPLATE.sub(value, s) for s in self.subjects}))


@dataclass(frozen=True)
class Reference:
    """`key` of the referenced entity is the payload's `source` field."""

    key: str
    source: str


@dataclass(frozen=True)
class EventSources:
    fields: dict[str, EventField]  # Subscription field name -> source
    references: dict[tuple[str, str], tuple[Reference, ...]]  # (type, field) -> key mapping

    def __bool__(self) -> bool:
        return bool(self.fields)


def read_event_sources(document: DocumentNode, links: Links, subscription_type: str | None) -> EventSources:
    subscribe = links.directive(SPEC, "natsSubscribe")
    reference = links.directive(SPEC, "natsReference")
    fields: dict[str, EventField] = {}
    refs: dict[tuple[str, str], tuple[Reference, ...]] = {}
    if subscribe is None:
        return EventSources(fields, refs)
    for definition in document.definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            continue
        type_name = definition.name.value
        for fdef in definition.fields or ():
            found: list[Reference] = []
            for d in fdef.directives or ():
                args = {a.name.value: value_from_ast_untyped(a.value) for a in d.arguments or ()}
                if d.name.value == subscribe and type_name == subscription_type:
                    subjects = args.get("subjects")
                    subjects = [subjects] if isinstance(subjects, str) else subjects
                    fields[fdef.name.value] = EventField(
                        fdef.name.value,
                        tuple(str(s) for s in subjects or ()),
                        str(args.get("providerId") or "default"),
                        str(args["stream"]) if args.get("stream") else None,
                    )
                elif d.name.value == reference and isinstance(args.get("key"), str):
                    found.append(Reference(str(args["key"]), str(args.get("from") or args["key"])))
            if found:
                refs[(type_name, fdef.name.value)] = tuple(found)
    return EventSources(fields, refs)
