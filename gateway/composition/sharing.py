"""Field sharing: a field resolved by several subgraphs must be @shareable in all of them
(Federation 1 subgraphs get it implicitly from the upgrade)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Field
from .override import Override
from .supergraph import printable_subgraphs

if TYPE_CHECKING:
    from .merge import Merger


def validate_sharing(m: Merger, out: Field, fsources: list[tuple[int, Field | None]], overrides: dict[int, Override]) -> None:
    resolving, shareable, non_shareable = [], [], []
    for i, f in fsources:
        o = overrides.get(i)
        if f is None or (o and (o.used or o.unused)):
            continue
        if m.metas[i].is_fully_external(f):
            continue
        resolving.append(i)
        (shareable if m.metas[i].is_shareable(f) else non_shareable).append(i)
    if non_shareable and (shareable or len(non_shareable) > 1):
        names = [m.subs[i].name for i in resolving]
        bad = printable_subgraphs([m.subs[i].name for i in non_shareable]) if shareable else "all of them"
        extra = ""
        unknown = next((i for i in non_shareable if overrides.get(i) and overrides[i].unknown_target), None)
        if unknown is not None:
            extra = f' (please note that "{out.coordinate}" has an @override directive in "{m.subs[unknown].name}" that targets an unknown subgraph so this could be due to misspelling the @override(from:) argument)'
        m.sink.error(
            "INVALID_FIELD_SHARING",
            f'Non-shareable field "{out.coordinate}" is resolved from multiple subgraphs: it is resolved from {printable_subgraphs(names)} and defined as non-shareable in {bad}{extra}',
            m.subs[non_shareable[0]].name if len(non_shareable) == 1 else None,
            out.coordinate,
        )
