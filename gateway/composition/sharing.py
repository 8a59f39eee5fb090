"""Field sharing: a field resolved by several subgraphs must be @shareable in all of them
(Federation 1 subgraphs get it implicitly from the upgrade)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Field
from .override import Override

if TYPE_CHECKING:
    from .merge import Merger


def _listing(labels: list[str]) -> str:
    if len(labels) == 1:
        return f"subgraph {labels[0]}"
    return "subgraphs " + ", ".join(labels[:-1]) + " and " + labels[-1]


def _through_interface_objects(m: Merger, out: Field, i: int) -> list[Field]:
    """Fields of @interfaceObject types that resolve `out` in subgraph i (which lacks its type)."""
    sub = m.subs[i]
    parent = m.out.types.get(out.parent)
    if parent is None or parent.kind != "object" or out.parent in sub.types:
        return []
    found = []
    for itf in parent.interfaces:
        t = sub.types.get(itf)
        if t is not None and t.kind == "object" and out.name in t.fields:
            found.append(t.fields[out.name])
    return found


def validate_sharing(
    m: Merger, out: Field, fsources: list[tuple[int, Field | None]], overrides: dict[int, Override]
) -> None:
    resolving: list[str] = []
    shareable: list[tuple[int, str]] = []
    non_shareable: list[tuple[int, str]] = []

    def categorize(i: int, label: str, f: Field) -> None:
        if m.metas[i].is_fully_external(f):
            return
        resolving.append(label)
        (shareable if m.metas[i].is_shareable(f) else non_shareable).append((i, label))

    present = {i for i, _ in fsources}
    for i in range(len(m.subs)):
        if i not in present:
            for via in _through_interface_objects(m, out, i):
                categorize(
                    i, f'"{m.subs[i].name}" (through @interfaceObject field "{via.coordinate}")', via
                )
    for i, f in fsources:
        o = overrides.get(i)
        if f is None or (o and (o.used or o.unused)):
            continue
        categorize(i, f'"{m.subs[i].name}"', f)
    if non_shareable and (shareable or len(non_shareable) > 1):
        bad = _listing([label for _, label in non_shareable]) if shareable else "all of them"
        extra = ""
        unknown = next(
            (i for i, _ in non_shareable if overrides.get(i) and overrides[i].unknown_target), None
        )
        if unknown is not None:
            extra = f' (please note that "{out.coordinate}" has an @override directive in "{m.subs[unknown].name}" that targets an unknown subgraph so this could be due to misspelling the @override(from:) argument)'
        m.sink.error(
            "INVALID_FIELD_SHARING",
            f'Non-shareable field "{out.coordinate}" is resolved from multiple subgraphs: it is resolved from {_listing(resolving)} and defined as non-shareable in {bad}{extra}',
            m.subs[non_shareable[0][0]].name if len(non_shareable) == 1 else None,
            out.coordinate,
        )
