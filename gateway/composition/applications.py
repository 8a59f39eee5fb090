"""Every directive application of a subgraph, with the element and location it sits on."""

from __future__ import annotations

from .model import Applied, Subgraph

TYPE_LOCATION = {
    "object": "OBJECT",
    "interface": "INTERFACE",
    "union": "UNION",
    "enum": "ENUM",
    "input": "INPUT_OBJECT",
    "scalar": "SCALAR",
}


def all_applied(sub: Subgraph) -> list[tuple[str, str, list[Applied]]]:
    """(coordinate, location, directives) for every element that carries directives."""
    out = [("", "SCHEMA", sub.schema_directives)]
    for t in sub.types.values():
        out.append((t.name, TYPE_LOCATION[t.kind], t.directives))
        for f in t.fields.values():
            out.append(
                (
                    f.coordinate,
                    "INPUT_FIELD_DEFINITION" if t.kind == "input" else "FIELD_DEFINITION",
                    f.directives,
                )
            )
            for a in f.args.values():
                out.append((f"{f.coordinate}({a.name}:)", "ARGUMENT_DEFINITION", a.directives))
        for v in t.values.values():
            out.append((f"{t.name}.{v.name}", "ENUM_VALUE", v.directives))
    for d in [*sub.directive_defs.values(), *sub.federation_defs.values()]:
        for a in d.args.values():
            out.append((f"@{d.name}({a.name}:)", "ARGUMENT_DEFINITION", a.directives))
    return out
