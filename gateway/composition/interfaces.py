"""Interfaces across subgraphs: keys on interfaces, @interfaceObject, and every implementation
having every interface field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import INTERFACE_OBJECT, KEY, Applied, Field, TypeDef
from .sharing import validate_sharing
from .supergraph import printable_subgraphs

if TYPE_CHECKING:
    from .merge import Merger


def validate_interface_keys(m: Merger, dest: TypeDef, sources: list[tuple[int, TypeDef]]) -> None:
    impls = [
        t.name for t in m.out.types.values() if t.kind == "object" and dest.name in t.interfaces
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
        have = {x.name for x in m.subs[i].implementations(dest.name)}
        missing = [n for n in impls if n not in have]
        if missing:
            sub = m.subs[i].name
            shown = ", ".join(f'"{name}"' for name in missing)
            m.sink.error(
                "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                f'[{sub}] Interface type "{dest.name}" has a resolvable key (@key(fields: "{resolvable.arg_str("fields")}")) in subgraph "{sub}" but that subgraph is missing some of the supergraph implementation types of "{dest.name}". Subgraph "{sub}" should define type{"s" if len(missing) > 1 else ""} {shown} (and have {"them" if len(missing) > 1 else "it"} implement "{dest.name}").',
                sub,
                dest.name,
            )
    for i, t in sources:
        if t.kind == "object" and t.has(INTERFACE_OBJECT):
            defined = [n for n in impls if n in m.subs[i].types]
            if defined:
                sub = m.subs[i].name
                m.sink.error(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'[{sub}] Interface type "{dest.name}" is defined as an @interfaceObject in subgraph "{sub}" so that subgraph should not define any of the implementation types of "{dest.name}", but it defines '
                    + ", ".join(f'type "{n}"' for n in defined),
                    sub,
                    dest.name,
                )
    if all(t.kind == "object" for _, t in sources):
        m.sink.error(
            "INTERFACE_OBJECT_USAGE_ERROR",
            f'Type "{dest.name}" is declared with @interfaceObject in all the subgraphs in which it is defined (it is defined in {printable_subgraphs([m.subs[i].name for i, _ in sources])} but should be defined as an interface in at least one subgraph)',
            None,
            dest.name,
        )


# -- enums and inputs ------------------------------------------------------------------------


def add_interface_object_fields(m: Merger) -> None:
    """Fields an @interfaceObject adds to an interface reach every implementation."""
    for t in m.out.types.values():
        if t.kind != "object":
            continue
        for itf_name in t.interfaces:
            itf = m.out.types.get(itf_name)
            if itf is None:
                continue
            for fname, itf_field in itf.fields.items():
                if fname in t.fields:
                    continue
                provided = any(
                    (st := s.types.get(itf_name)) is not None
                    and st.kind == "object"
                    and st.has(INTERFACE_OBJECT)
                    and fname in st.fields
                    and not m.metas[i].is_external(st.fields[fname])
                    for i, s in enumerate(m.subs)
                )
                if provided:
                    f = Field(
                        fname, itf_field.type, t.name, dict(itf_field.args), itf_field.description
                    )
                    f.directives = [
                        d for d in itf_field.directives if not d.name.startswith("join__")
                    ]
                    f.directives.append(Applied("join__field", {}))
                    t.fields[fname] = f
                    # Only @interfaceObjects resolve it: several of them must agree to share it.
                    validate_sharing(m, f, [], {})


def check_interface_fields_implemented(m: Merger) -> None:
    for t in m.out.types.values():
        if t.kind not in ("object", "interface"):
            continue
        for itf_name in t.interfaces:
            itf = m.out.types.get(itf_name)
            if itf is None:
                continue
            for fname in itf.fields:
                if fname not in t.fields:
                    with_field = [
                        s.name
                        for s in m.subs
                        if (x := s.types.get(itf_name)) is not None
                        and x.kind == "interface"
                        and fname in x.fields
                    ]
                    implementing = [
                        s.name
                        for s in m.subs
                        if (x := s.types.get(t.name)) is not None and itf_name in x.interfaces
                    ]
                    m.sink.error(
                        "INTERFACE_FIELD_NO_IMPLEM",
                        f'Interface field "{itf_name}.{fname}" is declared in {printable_subgraphs(with_field)} but type "{t.name}", which implements "{itf_name}" only in {printable_subgraphs(implementing)} does not have field "{fname}".',
                        None,
                        f"{t.name}.{fname}",
                    )
