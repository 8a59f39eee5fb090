"""A cheap measure of a document's text before graphql-core parses it.

graphql-core's parser is pure Python: a 50 KB document (~15,000 tokens) costs it ~100 ms of CPU
before any of our limits can look at the tree. This scan reads the same text with one C-speed
regex and a flat loop over its tokens, and measures what the limits measure on the tree (tokens,
depth and aliases with fragments expanded, repeated response keys per selection set), so a hostile
document is refused in a few milliseconds without ever being parsed.

For a syntactically valid document the measures equal those on the parsed tree; on text that is
not valid GraphQL the scan keeps going as best it can (what it refuses is invalid anyway, and what
it lets through is parsed, and refused, by graphql-core).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# Ignored characters and comments, then one token: block string, string, spread, name, number,
# or any single character (punctuators, and whatever is not GraphQL). Possessive quantifiers:
# an unterminated string must not make the regex backtrack.
_TOKEN = re.compile(
    r'(?:[\s,\ufeff]++|#[^\n\r]*+)*+'
    r'("""(?:[^"\\]|\\.|"(?!""))*+"""|"(?:[^"\\\n\r]|\\.)*+"|\.\.\.|[_A-Za-z][_0-9A-Za-z]*+'
    r'|-?\d++(?:\.\d++)?(?:[eE][+-]?\d++)?|.)',
    re.S,
)
_OPERATION_WORDS = frozenset(("query", "mutation", "subscription"))
# Selection sets and fragment spreads nested deeper than this are "too deep" outright: far past any
# depth limit, and well within Python's recursion limit for the measures (and graphql-core's rules).
MAX_NESTING = 200


@dataclass
class _Set:
    """One selection set: its response keys (inline fragments flattened into it, as validation
    compares them), the fragments spread in it, and the field subselections below it."""

    counts: Counter[str] = field(default_factory=Counter)
    spreads: list[str] = field(default_factory=list)
    children: list[_Set] = field(default_factory=list)
    inline: bool = False
    aliases: int = 0  # fields here with an alias


@dataclass
class Measures:
    tokens: int
    depth: dict[str | None, int]  # per operation, with fragments expanded
    aliases: dict[str | None, int]
    overlap: int  # Σ count² of response keys repeated within a selection set


def measure(text: str, overlap_limit: int) -> Measures:
    tokens = _TOKEN.findall(text)
    sets: list[_Set] = []
    operations: dict[str | None, _Set] = {}
    fragments: dict[str, _Set] = {}
    stack: list[_Set] = []
    parens = 0  # inside arguments, variable definitions or directive arguments: values, not selections
    pending_inline = False  # the next "{" opens an inline fragment's set, not a field's
    definition: tuple[str, str | None] | None = None  # at top level: ("operation" | "fragment", name)
    i, n = 0, len(tokens)
    while i < n:
        t = tokens[i]
        i += 1
        if t == "(":
            parens += 1
            continue
        if t == ")":
            parens = max(0, parens - 1)
            continue
        if parens:
            continue  # argument values and variable definitions (lists, objects) hold no selections
        if t == "{":
            current = _Set(inline=pending_inline)
            sets.append(current)
            if stack:
                if not pending_inline:
                    stack[-1].children.append(current)
            elif definition is not None and definition[0] == "fragment":
                fragments.setdefault(definition[1] or "", current)
            else:
                name = definition[1] if definition else None
                operations.setdefault(name, current)
            stack.append(current)
            pending_inline = False
            definition = None
            continue
        if t == "}":
            if stack:
                closed = stack.pop()
                if closed.inline and stack:
                    parent = stack[-1]
                    parent.counts.update(closed.counts)
                    parent.spreads.extend(closed.spreads)
                    parent.children.extend(closed.children)
                    parent.aliases += closed.aliases
            pending_inline = False
            continue
        if not stack:
            if t in _OPERATION_WORDS:
                name = tokens[i] if i < n and _is_name(tokens[i]) else None
                definition = ("operation", name)
                i += 1 if name else 0
            elif t == "fragment" and i < n:
                definition = ("fragment", tokens[i])
                i += 1
            continue
        if t == "...":
            nxt = tokens[i] if i < n else ""
            if nxt == "on":
                i += 2  # "on" and the type condition
                pending_inline = True
            elif _is_name(nxt):
                stack[-1].spreads.append(nxt)
                i += 1
            else:
                pending_inline = True  # "... @dir {" or "... {"
            continue
        if t == "@":
            i += 1  # the directive's name; its arguments are skipped as parentheses
            continue
        if _is_name(t):
            has_alias = i < n and tokens[i] == ":"
            if has_alias:
                i += 2  # ":" and the field's name
                stack[-1].aliases += 1
            stack[-1].counts[t] += 1
            continue
        # anything else (":" of a fragment's type, "=", "$", strings at the top level...) carries
        # no selection
    depth, aliases = _expanded(operations, fragments)
    return Measures(len(tokens), depth, aliases, _overlap(sets, fragments, overlap_limit))


def _is_name(t: str) -> bool:
    return bool(t) and (t[0].isalpha() or t[0] == "_") and t.isascii()


def _expanded(
    operations: dict[str | None, _Set], fragments: dict[str, _Set]
) -> tuple[dict[str | None, int], dict[str | None, int]]:
    """Depth and alias count per operation with fragments expanded, each fragment measured once
    (as `operation._depth_and_aliases` does on the tree)."""

    def walk(s: _Set, memo: dict[str, tuple[int, int]], visiting: frozenset[str], level: int) -> tuple[int, int]:
        if level > MAX_NESTING:
            # Selections and spreads nested this deep are refused as too deep whatever the
            # fields below them: measuring further would only exhaust the stack.
            return level, 0
        depth, aliases = 0, 0
        for child in s.children:
            d, a = walk(child, memo, visiting, level + 1)
            depth = max(depth, d + 1)
            aliases += a
        # fields without a subselection are one level deep and may carry aliases too
        leaves = sum(s.counts.values()) - len(s.children)
        if leaves > 0:
            depth = max(depth, 1)
        aliases += s.aliases
        for name in s.spreads:
            if name in visiting or name not in fragments:
                continue
            if name not in memo:
                memo[name] = walk(fragments[name], memo, visiting | {name}, level + 1)
            d, a = memo[name]
            depth, aliases = max(depth, d), aliases + a
        return depth, aliases

    depths: dict[str | None, int] = {}
    counts: dict[str | None, int] = {}
    for name, s in operations.items():
        depths[name], counts[name] = walk(s, {}, frozenset(), 0)
    return depths, counts


def _overlap(sets: list[_Set], fragments: dict[str, _Set], limit: int) -> int:
    def reachable(names: list[str]) -> set[str]:
        seen: set[str] = set()
        todo = [name for name in names if name in fragments]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(x for x in fragments[name].spreads if x in fragments)
        return seen

    total = 0
    for s in sets:
        counts = s.counts
        if s.spreads:
            counts = counts.copy()
            for name in reachable(s.spreads):
                counts.update(fragments[name].counts)
        total += sum(c * c for c in counts.values() if c > 1)
        if total > limit:
            return total
    return total
