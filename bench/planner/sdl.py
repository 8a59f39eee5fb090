"""A subgraph as data (types, fields, directives) and its SDL printer.

The generator builds these instead of concatenating strings, so it can look back at what a
subgraph already declares (a stub that later becomes an extension, an @external field that a
@requires needs) before printing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FEDERATION_IMPORTS = ("@key", "@shareable", "@external", "@requires", "@provides")


@dataclass
class FieldDef:
    name: str
    type: str  # as written in SDL: "[Review!]!"
    args: str = ""  # "(first: Int = 10)"
    directives: str = ""  # '@requires(fields: "weight")'

    def sdl(self) -> str:
        tail = f" {self.directives}" if self.directives else ""
        return f"  {self.name}{self.args}: {self.type}{tail}"


@dataclass
class TypeDef:
    kind: str  # "type" | "interface" | "union" | "enum"
    name: str
    directives: list[str] = field(default_factory=list)
    implements: list[str] = field(default_factory=list)
    fields: dict[str, FieldDef] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)  # union members, enum values

    def add(self, f: FieldDef) -> FieldDef:
        self.fields.setdefault(f.name, f)
        return self.fields[f.name]

    def sdl(self) -> str:
        head = f"{self.kind} {self.name}"
        if self.implements:
            head += " implements " + " & ".join(self.implements)
        if self.directives:
            head += " " + " ".join(self.directives)
        if self.kind == "union":
            return f"{head} = {' | '.join(self.members)}"
        if self.kind == "enum":
            return head + " {\n" + "\n".join(f"  {v}" for v in self.members) + "\n}"
        return head + " {\n" + "\n".join(f.sdl() for f in self.fields.values()) + "\n}"


@dataclass
class SubgraphDef:
    name: str
    federation: str = "2.3"  # the federation spec version it links
    types: dict[str, TypeDef] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.name}.svc.internal:4000/graphql"

    def type(self, name: str, kind: str = "type") -> TypeDef:
        t = self.types.get(name)
        if t is None:
            t = self.types[name] = TypeDef(kind, name)
        return t

    def sdl(self) -> str:
        imports = list(FEDERATION_IMPORTS)
        if any("@interfaceObject" in t.directives for t in self.types.values()):
            imports.append("@interfaceObject")
        quoted = ", ".join(f'"{i}"' for i in imports)
        header = (
            f'extend schema @link(url: "https://specs.apollo.dev/federation/v{self.federation}", '
            f"import: [{quoted}])"
        )
        # Query first, then the rest in the order they were declared: stable output.
        order = sorted(self.types.values(), key=lambda t: t.name != "Query")
        return header + "\n\n" + "\n\n".join(t.sdl() for t in order) + "\n"
