"""INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE and INTERFACE_OBJECT_USAGE_ERROR: a subgraph with a
resolvable key on an interface must define all its implementations; one with an @interfaceObject
must define none; and some subgraph must define the interface as an interface."""

from __future__ import annotations

from ..context import CompositionContext
from ..model import INTERFACE_OBJECT, KEY, TypeDef
from ..supergraph import printable_subgraphs


def check_interface_keys(ctx: CompositionContext) -> None:
    for dest in list(ctx.out.types.values()):
        if dest.kind == "interface":
            _check(ctx, dest, ctx.sources(dest.name))


def _check(ctx: CompositionContext, dest: TypeDef, sources: list[tuple[int, TypeDef]]) -> None:
    impls = [
        t.name for t in ctx.out.types.values() if t.kind == "object" and dest.name in t.interfaces
    ]
    for i, t in sources:
        if t.kind != "interface":
            continue
        if t.has(INTERFACE_OBJECT):
            continue
        resolvable = next(
            (k for k in t.applied(KEY) if k.arg_bool("resolvable") is not False), None
        )
        if resolvable is None:
            continue
        have = {x.name for x in ctx.subs[i].implementations(dest.name)}
        missing = [n for n in impls if n not in have]
        if missing:
            sub = ctx.subs[i].name
            shown = ", ".join(f'"{name}"' for name in missing)
            ctx.sink.error(
                "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                f'[{sub}] Interface type "{dest.name}" has a resolvable key (@key(fields: "{resolvable.arg_str("fields")}")) in subgraph "{sub}" but that subgraph is missing some of the supergraph implementation types of "{dest.name}". Subgraph "{sub}" should define type{"s" if len(missing) > 1 else ""} {shown} (and have {"them" if len(missing) > 1 else "it"} implement "{dest.name}").',
                sub,
                dest.name,
            )
    for i, t in sources:
        if t.kind == "object" and t.has(INTERFACE_OBJECT):
            defined = [n for n in impls if n in ctx.subs[i].types]
            if defined:
                sub = ctx.subs[i].name
                ctx.sink.error(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'[{sub}] Interface type "{dest.name}" is defined as an @interfaceObject in subgraph "{sub}" so that subgraph should not define any of the implementation types of "{dest.name}", but it defines '
                    + ", ".join(f'type "{n}"' for n in defined),
                    sub,
                    dest.name,
                )
    if all(t.kind == "object" for _, t in sources):
        ctx.sink.error(
            "INTERFACE_OBJECT_USAGE_ERROR",
            f'Type "{dest.name}" is declared with @interfaceObject in all the subgraphs in which it is defined (it is defined in {printable_subgraphs([ctx.subs[i].name for i, _ in sources])} but should be defined as an interface in at least one subgraph)',
            None,
            dest.name,
        )
