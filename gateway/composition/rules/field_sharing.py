"""INVALID_FIELD_SHARING: a field resolved by several subgraphs must be @shareable in all of them
(Federation 1 subgraphs get it implicitly from the upgrade; @external fields only count where an
@provides makes them local)."""

from __future__ import annotations

from ..context import CompositionContext, Override
from ..model import Field


def check_field_sharing(ctx: CompositionContext) -> None:
    for dest in ctx.out.types.values():
        if dest.kind != "object":
            continue
        sources = ctx.sources(dest.name)
        for out in dest.fields.values():
            fsources = [(i, t.fields.get(out.name)) for i, t in sources]
            # A field only @interfaceObjects add has no source of the type's own: those
            # @interfaceObjects must agree to share it.
            _check_field(ctx, out, fsources, ctx.overrides.get(out.coordinate, {}))


def _listing(labels: list[str]) -> str:
    if len(labels) == 1:
        return f"subgraph {labels[0]}"
    return "subgraphs " + ", ".join(labels[:-1]) + " and " + labels[-1]


def _through_interface_objects(ctx: CompositionContext, out: Field, i: int) -> list[Field]:
    """Fields of @interfaceObject types that resolve `out` in subgraph i (which lacks its type)."""
    sub = ctx.subs[i]
    parent = ctx.out.types.get(out.parent)
    if parent is None or parent.kind != "object" or out.parent in sub.types:
        return []
    found = []
    for itf in parent.interfaces:
        t = sub.types.get(itf)
        if t is not None and t.kind == "object" and out.name in t.fields:
            found.append(t.fields[out.name])
    return found


def _check_field(
    ctx: CompositionContext,
    out: Field,
    fsources: list[tuple[int, Field | None]],
    overrides: dict[int, Override],
) -> None:
    resolving: list[str] = []
    shareable: list[tuple[int, str]] = []
    non_shareable: list[tuple[int, str]] = []

    def categorize(i: int, label: str, f: Field) -> None:
        if ctx.metas[i].is_fully_external(f):
            return
        resolving.append(label)
        (shareable if ctx.metas[i].is_shareable(f) else non_shareable).append((i, label))

    present = {i for i, _ in fsources}
    for i in range(len(ctx.subs)):
        if i not in present:
            for via in _through_interface_objects(ctx, out, i):
                categorize(
                    i,
                    f'"{ctx.subs[i].name}" (through @interfaceObject field "{via.coordinate}")',
                    via,
                )
    for i, f in fsources:
        o = overrides.get(i)
        if f is None or (o and (o.used or o.unused)):
            continue
        categorize(i, f'"{ctx.subs[i].name}"', f)
    if non_shareable and (shareable or len(non_shareable) > 1):
        bad = _listing([label for _, label in non_shareable]) if shareable else "all of them"
        extra = ""
        unknown = next(
            (i for i, _ in non_shareable if overrides.get(i) and overrides[i].unknown_target), None
        )
        if unknown is not None:
            extra = f' (please note that "{out.coordinate}" has an @override directive in "{ctx.subs[unknown].name}" that targets an unknown subgraph so this could be due to misspelling the @override(from:) argument)'
        ctx.sink.error(
            "INVALID_FIELD_SHARING",
            f'Non-shareable field "{out.coordinate}" is resolved from multiple subgraphs: it is resolved from {_listing(resolving)} and defined as non-shareable in {bad}{extra}',
            ctx.subs[non_shareable[0][0]].name if len(non_shareable) == 1 else None,
            out.coordinate,
        )
