"""Printing the supergraph model as SDL, in Apollo's layout (`@link`s on the schema, `join__*`
definitions, then every type in name order with its `@join__*` records)."""

from __future__ import annotations

from graphql.language import print_ast
from graphql.language.block_string import print_block_string

from .model import Applied, Argument, DirectiveDef, EnumValue, Field, TypeDef
from .specs import FEATURES, LINK_DEFINITIONS, LINK_URL, join_definitions
from .supergraph import Supergraph


def _description(desc: str | None, indent: str = "") -> str:
    if desc is None:
        return ""
    block = print_block_string(desc)
    return "\n".join(indent + line if line else line for line in block.split("\n")) + "\n"


def _applied(ds: list[Applied]) -> str:
    out = []
    for d in ds:
        args = ", ".join(f"{k}: {print_ast(v)}" for k, v in d.args.items())
        out.append(f" @{d.name}({args})" if args else f" @{d.name}")
    return "".join(out)


def _args(args: dict[str, Argument]) -> str:
    if not args:
        return ""
    parts = []
    for a in args.values():
        default = f" = {print_ast(a.default)}" if a.default is not None else ""
        desc = f"{print_block_string(a.description)} " if a.description else ""
        parts.append(f"{desc}{a.name}: {print_ast(a.type)}{default}{_applied(a.directives)}")
    return "(" + ", ".join(parts) + ")"


def _field(f: Field, input_field: bool) -> str:
    default = f" = {print_ast(f.default)}" if input_field and f.default is not None else ""
    return f"{_description(f.description, '  ')}  {f.name}{_args(f.args)}: {print_ast(f.type)}{default}{_applied(f.directives)}"


def _enum_value(v: EnumValue) -> str:
    return f"{_description(v.description, '  ')}  {v.name}{_applied(v.directives)}"


def _type(t: TypeDef) -> str:
    head = _description(t.description)
    keyword = {
        "object": "type",
        "interface": "interface",
        "union": "union",
        "enum": "enum",
        "input": "input",
        "scalar": "scalar",
    }[t.kind]
    implements = f" implements {' & '.join(t.interfaces)}" if t.interfaces else ""
    directives = "".join(f"\n  {_applied([d]).strip()}" for d in t.directives)
    line = f"{head}{keyword} {t.name}{implements}{directives}"
    if t.kind == "scalar":
        return line
    if t.kind == "union":
        return f"{line}{' ' if not directives else chr(10) + ' '} = {' | '.join(t.members)}"
    if t.kind == "enum":
        body = "\n".join(_enum_value(v) for v in t.values.values())
    else:
        body = "\n".join(_field(f, t.kind == "input") for f in t.fields.values())
    return f"{line}{chr(10) if directives else ' '}{{\n{body}\n}}"


def _directive_def(d: DirectiveDef) -> str:
    rep = " repeatable" if d.repeatable else ""
    return f"{_description(d.description)}directive @{d.name}{_args(d.args)}{rep} on {' | '.join(d.locations)}"


def emit_supergraph(sg: Supergraph, join_version: str, custom_defs: list[DirectiveDef]) -> str:
    links = [
        f'@link(url: "{LINK_URL}")',
        f'@link(url: "https://specs.apollo.dev/join/{join_version}", for: EXECUTION)',
    ]
    definitions: list[str] = []
    spec_types: list[str] = []
    features_used = [f for f in FEATURES.values() if any(d in sg.features for d in f.directives)]
    for feature in features_used:
        imports = [f'"@{d}"' for d in feature.directives if d != feature.name and d in sg.features]
        extra = f", import: [{', '.join(imports)}]" if imports else ""
        purpose = f", for: {feature.purpose}" if feature.purpose else ""
        links.append(f'@link(url: "{feature.url}"{purpose}{extra})')
        for d, template in feature.directives.items():
            name = d if (d == feature.name or d in sg.features) else f"{feature.name}__{d}"
            definitions.append(template.format(name=name, prefix=feature.name))
        spec_types += [t.format(prefix=feature.name) for t in feature.types]
    for url, link_imports in sg.extra_links:
        shown = ", ".join(
            f'"@{local}"' if original == local else f'{{name: "@{original}", as: "@{local}"}}'
            for original, local in link_imports
        )
        links.append(f'@link(url: "{url}", import: [{shown}])')
    definitions += [_directive_def(d) for d in custom_defs]
    roots = "\n".join(f"  {op}: {name}" for op, name in sg.roots.items())
    schema = "schema\n" + "".join(f"  {link}\n" for link in links) + "{\n" + roots + "\n}"
    graphs = "\n".join(
        f'  {value} @join__graph(name: "{name}", url: "{url}")'
        for value, (name, url) in sorted(sg.graphs.items())
    )
    blocks = [
        schema,
        *sorted(definitions),
        join_definitions(join_version),
        LINK_DEFINITIONS,
        f"enum join__Graph {{\n{graphs}\n}}",
        *spec_types,
    ]
    blocks += [_type(t) for _, t in sorted(sg.types.items())]
    return "\n\n".join(blocks) + "\n"
