"""The merged supergraph, as the merge builds it and the printer prints it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import DirectiveDef, TypeDef


def graph_enum_names(names: list[str]) -> dict[str, str]:
    """Subgraph name -> join__Graph value, sanitised and de-duplicated like Apollo."""
    sanitized: dict[str, list[str]] = {}
    for name in names:
        s = re.sub(r"\W", "_", name)
        if re.match(r"^\d", s):
            s = "_" + s
        if re.search(r"_\d+$", s):
            s += "_"
        sanitized.setdefault(s.upper(), []).append(name)
    out = {}
    for s, subs in sanitized.items():
        for i, name in enumerate(subs):
            out[name] = s if len(subs) == 1 else f"{s}_{i + 1}"
    return out


def printable_subgraphs(names: list[str]) -> str:
    quoted = [f'"{n}"' for n in names]
    if not quoted:
        return "no subgraph"
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]


@dataclass
class Supergraph:
    types: dict[str, TypeDef] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    graphs: dict[str, tuple[str, str]] = field(default_factory=dict)  # enum value -> (name, url)
    features: set[str] = field(default_factory=set)  # composed federation directives in use
    directive_defs: dict[str, DirectiveDef] = field(default_factory=dict)
    # @links of @composeDirective features: (URL, [(name in the feature, name here)])
    extra_links: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
