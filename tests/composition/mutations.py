"""Generated subgraph sets: corpus cases with a few federation directives added, removed or made
(non-)nullable at random (seeded, so every run checks the same sets). They reach corners no
hand-written case does; Apollo decides what the right answer is."""

from __future__ import annotations

import random
import re

from gateway.composition import SubgraphInput

FIELD_DIRECTIVES = [
    "@external", "@shareable", "@inaccessible", '@tag(name: "t")', '@override(from: "a")',
    '@override(from: "b")', '@provides(fields: "id")', '@requires(fields: "id")', "@authenticated",
    "@cost(weight: 2)",
]  # fmt: skip
TYPE_DIRECTIVES = [
    '@key(fields: "id")', "@shareable", "@inaccessible", '@key(fields: "id", resolvable: false)',
    "@interfaceObject", "@external",
]  # fmt: skip
_FIELD_TYPE = re.compile(r":\s*\[?[A-Za-z_]+!?\]?!?")
_TYPE_HEAD = re.compile(r"\btype [A-Za-z_]+")
_DIRECTIVE = re.compile(r"@\w+(\([^)]*\))?")
_FIELD = re.compile(r"(\w+)(\([^)]*\))?:\s*\[?[A-Za-z_]+!?\]?!?")


def _mutate_once(rng: random.Random, sdl: str) -> str:
    roll = rng.random()
    if roll < 0.35:
        spots = list(_FIELD_TYPE.finditer(sdl))
        if spots:
            m = rng.choice(spots)
            return f"{sdl[: m.end()]} {rng.choice(FIELD_DIRECTIVES)}{sdl[m.end() :]}"
    elif roll < 0.55:
        spots = [
            m
            for m in _TYPE_HEAD.finditer(sdl)
            if not m.group(0).endswith(("Query", "Mutation", "Subscription"))
        ]
        if spots:
            m = rng.choice(spots)
            return f"{sdl[: m.end()]} {rng.choice(TYPE_DIRECTIVES)}{sdl[m.end() :]}"
    elif roll < 0.8:
        spots = [m for m in _DIRECTIVE.finditer(sdl) if not m.group(0).startswith("@link")]
        if spots:
            m = rng.choice(spots)
            return sdl[: m.start()] + sdl[m.end() :]
    else:
        spots = list(_FIELD.finditer(sdl))
        if spots:
            m = rng.choice(spots)
            text = m.group(0)
            changed = text.replace("!", "") if "!" in text else text + "!"
            return sdl[: m.start()] + changed + sdl[m.end() :]
    return sdl


def mutated_sets(
    cases: dict[str, list[SubgraphInput]], count: int, seed: int
) -> dict[str, list[SubgraphInput]]:
    rng = random.Random(seed)
    names = sorted(cases)
    out: dict[str, list[SubgraphInput]] = {}
    for k in range(count):
        name = rng.choice(names)
        subgraphs = list(cases[name])
        i = rng.randrange(len(subgraphs))
        sdl = subgraphs[i].sdl
        for _ in range(rng.randint(1, 2)):
            sdl = _mutate_once(rng, sdl)
        subgraphs[i] = SubgraphInput(subgraphs[i].name, subgraphs[i].url, sdl)
        out[f"{name}#{k}"] = subgraphs
    return out
