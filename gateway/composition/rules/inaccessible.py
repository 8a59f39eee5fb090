"""@inaccessible must leave a valid API schema: nothing visible may reference a hidden type, hide a
required argument or input field, or hide every child of a visible type."""

from __future__ import annotations

from graphql.language import NonNullTypeNode

from ..context import CompositionContext
from ..errors import ErrorSink
from ..model import Applied, DirectiveDef, named_type
from ..supergraph import Supergraph

CHILDREN = {"object": "fields", "interface": "fields", "input": "input fields", "enum": "values"}


def _hidden(directives: list[Applied]) -> bool:
    return any(d.name == "inaccessible" for d in directives)


def check_inaccessible(sg: Supergraph, directives: list[DirectiveDef], sink: ErrorSink) -> None:
    hidden_types = {n for n, t in sg.types.items() if _hidden(t.directives)}
    for d in directives:
        for a in d.args.values():
            if _hidden(a.directives) and isinstance(a.type, NonNullTypeNode) and a.default is None:
                arg = f"@{d.name}({a.name}:)"
                sink.error(
                    "REQUIRED_INACCESSIBLE",
                    f'Argument "{arg}" is @inaccessible but is a required argument of its directive.',
                    None,
                    arg,
                )
    for t in sg.types.values():
        if t.name in hidden_types:
            continue
        children = list(t.values.values()) if t.kind == "enum" else list(t.fields.values())
        if t.kind in CHILDREN and children and all(_hidden(c.directives) for c in children):
            sink.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{t.name}" is in the API schema but all of its {CHILDREN[t.kind]} are @inaccessible.',
                None,
                t.name,
            )
        if t.kind == "union" and t.members and all(m in hidden_types for m in t.members):
            sink.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{t.name}" is in the API schema but all of its members are @inaccessible.',
                None,
                t.name,
            )
        for itf_name in t.interfaces:
            itf = sg.types.get(itf_name)
            if itf is None or itf.name in hidden_types:
                continue
            for fname, ifield in itf.fields.items():
                f = t.fields.get(fname)
                if f is not None and _hidden(f.directives) and not _hidden(ifield.directives):
                    sink.error(
                        "IMPLEMENTED_BY_INACCESSIBLE",
                        f'Field "{t.name}.{fname}" is @inaccessible but implements the interface field "{itf.name}.{fname}", which is in the API schema.',
                        None,
                        f"{t.name}.{fname}",
                    )
        for f in t.fields.values():
            coordinate = f"{t.name}.{f.name}"
            if _hidden(f.directives):
                if t.kind == "input" and isinstance(f.type, NonNullTypeNode) and f.default is None:
                    sink.error(
                        "REQUIRED_INACCESSIBLE",
                        f'Input field "{coordinate}" is @inaccessible but is a required input field of its type.',
                        None,
                        coordinate,
                    )
                continue
            base = named_type(f.type)
            if base in hidden_types:
                sink.error(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{base}" is @inaccessible but is referenced by "{coordinate}", which is in the API schema.',
                    None,
                    coordinate,
                )
            for a in f.args.values():
                arg = f"{coordinate}({a.name}:)"
                if _hidden(a.directives):
                    if isinstance(a.type, NonNullTypeNode) and a.default is None:
                        sink.error(
                            "REQUIRED_INACCESSIBLE",
                            f'Argument "{arg}" is @inaccessible but is a required argument of its field.',
                            None,
                            arg,
                        )
                    continue
                if named_type(a.type) in hidden_types:
                    sink.error(
                        "REFERENCED_INACCESSIBLE",
                        f'Type "{named_type(a.type)}" is @inaccessible but is referenced by "{arg}", which is in the API schema.',
                        None,
                        arg,
                    )


def check_inaccessible_references(ctx: CompositionContext) -> None:
    check_inaccessible(ctx.out, ctx.custom_defs, ctx.sink)
