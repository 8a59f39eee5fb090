"""Which names the supergraph gives to the specs it links (`@link` in Fed 2, `@core` in Fed 1).

A supergraph may rename a spec (`@link(url: ".../join/v0.3", as: "j")` makes `@j__type`), so every
directive we read is looked up through this table rather than by a hard-coded name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import DocumentNode, SchemaDefinitionNode, SchemaExtensionNode
from graphql.language import ConstArgumentNode

_URL_RE = re.compile(r"^https?://[^/]+/(?P<name>[A-Za-z_][\w-]*)/v(?P<version>\d+\.\d+)")


@dataclass(frozen=True)
class LinkedSpec:
    url: str
    name: str  # the spec's own name: "join", "link", "inaccessible", ...
    version: tuple[int, int]
    local: str  # the prefix used in this document (the `as:` name, else `name`)


@dataclass
class Links:
    specs: dict[str, LinkedSpec] = field(default_factory=dict)  # by spec name
    imports: dict[str, str] = field(default_factory=dict)  # "@inaccessible" -> local "@inaccessible"
    federation1: bool = False  # `@core` supergraph (join v0.1)

    def directive(self, spec: str, name: str | None = None) -> str | None:
        """The local name of directive `name` of `spec` (or the spec's own directive if None)."""
        linked = self.specs.get(spec)
        if linked is None:
            return None
        if name is None or name == spec:
            imported = self.imports.get(f"@{spec}")
            return imported.lstrip("@") if imported else linked.local
        imported = self.imports.get(f"@{name}")
        if imported:
            return imported.lstrip("@")
        return f"{linked.local}__{name}"

    def type_name(self, spec: str, name: str) -> str | None:
        linked = self.specs.get(spec)
        if linked is None:
            return None
        return self.imports.get(name, f"{linked.local}__{name}")

    def is_machinery(self, name: str) -> bool:
        """True for a type or directive name that belongs to a linked spec (join__Graph, link__Import, ...)."""
        return any(name.startswith(f"{s.local}__") for s in self.specs.values())

    def spec_directive_names(self) -> set[str]:
        """Every directive name a linked spec may contribute (used to strip them from the API schema)."""
        names = {s.local for s in self.specs.values()}
        names.update(v.lstrip("@") for k, v in self.imports.items() if k.startswith("@"))
        return names


def _arg(args: tuple[ConstArgumentNode, ...] | list[ConstArgumentNode], name: str) -> object:
    from graphql import value_from_ast_untyped

    for a in args:
        if a.name.value == name:
            return value_from_ast_untyped(a.value)
    return None


def read_links(document: DocumentNode) -> Links:
    links = Links()
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for d in definition.directives or ():
            if d.name.value not in ("link", "core"):
                continue
            url = _arg(d.arguments or (), "url" if d.name.value == "link" else "feature")
            if not isinstance(url, str):
                continue
            m = _URL_RE.match(url)
            if not m:
                continue
            major, minor = m.group("version").split(".")
            name = m.group("name")
            local = _arg(d.arguments or (), "as")
            spec = LinkedSpec(url, name, (int(major), int(minor)), local if isinstance(local, str) else name)
            links.specs[name] = spec
            if d.name.value == "core":
                links.federation1 = True
            imports = _arg(d.arguments or (), "import")
            for imp in imports if isinstance(imports, list) else ():
                if isinstance(imp, str):
                    links.imports[imp] = imp
                elif isinstance(imp, dict) and isinstance(imp.get("name"), str):
                    links.imports[imp["name"]] = str(imp.get("as") or imp["name"])
    # `link` and `core` always name themselves.
    if "link" not in links.specs and "core" not in links.specs:
        links.specs["link"] = LinkedSpec("https://specs.apollo.dev/link/v1.0", "link", (1, 0), "link")
    return links

