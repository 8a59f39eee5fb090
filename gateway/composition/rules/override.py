"""@override: moving a field between subgraphs (optionally behind a label or a percentage),
and the errors Apollo raises for overrides that cannot work."""

from __future__ import annotations

import re

from ..context import CompositionContext, Override
from ..model import OVERRIDE, PROVIDES, REQUIRES, Field, TypeDef

_LABEL = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
_PERCENT = re.compile(r"^percent\((\d{1,2}(\.\d{1,8})?|100)\)$")


def _abstracting_interface_objects(
    ctx: CompositionContext, dest: TypeDef, field: str, source: str
) -> list[str]:
    """@interfaceObject types of `source` that stand for `dest` there and declare `field`."""
    sub = next(s for s in ctx.subs if s.name == source)
    if dest.kind != "object" or dest.name in sub.types:
        return []
    out = []
    for itf in dest.interfaces:
        t = sub.types.get(itf)
        sup = ctx.out.types.get(itf)
        if (
            t is not None
            and t.kind == "object"
            and field in t.fields
            and sup is not None
            and field in sup.fields
        ):
            out.append(itf)
    return out


def validate_override(
    ctx: CompositionContext, dest: TypeDef, out: Field, fsources: list[tuple[int, Field | None]]
) -> dict[int, Override]:
    result: dict[int, Override] = {}
    with_override = {
        i: f.applied(OVERRIDE)[0] for i, f in fsources if f is not None and f.applied(OVERRIDE)
    }
    if not with_override:
        return result
    names = [s.name for s in ctx.subs]
    by_name = {ctx.subs[i].name: (i, f) for i, f in fsources if f is not None}
    for i, d in with_override.items():
        sub = ctx.subs[i].name
        if dest.kind == "interface":
            t = ctx.subs[i].types[dest.name]
            code = (
                "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE"
                if t.kind == "object"
                else "OVERRIDE_ON_INTERFACE"
            )
            msg = (
                f'@override is not yet supported on fields of @interfaceObject types: cannot be used on field "{out.coordinate}" on subgraph "{sub}".'
                if t.kind == "object"
                else f'@override cannot be used on field "{out.coordinate}" on subgraph "{sub}": @override is not supported on interface type fields.'
            )
            ctx.sink.error(code, msg, sub, out.coordinate)
            continue
        source = d.arg_str("from") or ""
        if source not in names:
            result.setdefault(i, Override()).unknown_target = True
            ctx.sink.hint(
                "FROM_SUBGRAPH_DOES_NOT_EXIST",
                f'Source subgraph "{source}" for field "{out.coordinate}" on subgraph "{sub}" does not exist.',
            )
        elif source == sub:
            ctx.sink.error(
                "OVERRIDE_FROM_SELF_ERROR",
                f'Source and destination subgraphs "{source}" are the same for overridden field "{out.coordinate}"',
                sub,
                out.coordinate,
            )
        elif any(ctx.subs[j].name == source for j in with_override):
            ctx.sink.error(
                "OVERRIDE_SOURCE_HAS_OVERRIDE",
                f'Field "{out.coordinate}" on subgraph "{sub}" is also marked with directive @override in subgraph "{source}". Only one @override directive is allowed per field.',
                sub,
                out.coordinate,
            )
        elif source not in by_name and (
            abstracting := _abstracting_interface_objects(ctx, dest, out.name, source)
        ):
            shown = ", ".join(f'"{t}"' for t in abstracting)
            ctx.sink.error(
                "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                f'Invalid @override on field "{out.coordinate}" of subgraph "{sub}": source subgraph "{source}" does not have field "{out.coordinate}" but abstract it in type{"s" if len(abstracting) > 1 else ""} {shown} and overriding abstracted fields is not supported.',
                sub,
                out.coordinate,
            )
        elif source not in by_name:
            ctx.sink.hint(
                "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                f'Field "{out.coordinate}" on subgraph "{sub}" no longer exists in the from subgraph. The @override directive can be removed.',
            )
        else:
            j, from_field = by_name[source]
            assert from_field is not None
            this_field = dict(fsources)[i]
            conflict = next(
                (
                    n
                    for n, dn in (("requires", REQUIRES), ("provides", PROVIDES))
                    if from_field.has(dn)
                ),
                None,
            )
            where = source
            if conflict is None and this_field is not None and ctx.metas[i].is_external(this_field):
                conflict, where = "external", sub
            if conflict:
                ctx.sink.error(
                    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                    f'@override cannot be used on field "{from_field.coordinate}" on subgraph "{sub}" since "{from_field.coordinate}" on "{where}" is marked with directive "@{conflict}"',
                    sub,
                    out.coordinate,
                )
                continue
            label = d.arg_str("label")
            if ctx.metas[j].is_external(from_field):
                pass
            elif ctx.metas[j].is_used(from_field):
                result.setdefault(j, Override()).used = True
            else:
                result.setdefault(j, Override()).unused = True
            if label is not None:
                pct = _PERCENT.match(label)
                if _LABEL.match(label) or (pct and 0 <= float(pct.group(1)) <= 100):
                    result.setdefault(i, Override()).label = label
                    result.setdefault(j, Override()).label = label
                else:
                    ctx.sink.error(
                        "OVERRIDE_LABEL_INVALID",
                        f'Invalid @override label "{label}" on field "{out.coordinate}" on subgraph "{sub}": labels must start with a letter and after that may contain alphanumerics, underscores, minuses, colons, periods, or slashes. Alternatively, labels may be of the form "percent(x)" where x is a float between 0-100 inclusive.',
                        sub,
                        out.coordinate,
                    )
    return result
