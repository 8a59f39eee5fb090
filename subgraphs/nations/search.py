"""The searchable country selector: one nation's names in many languages and scripts, ranked.

Matching is on normalised text (NFKD, accents dropped, casefolded, punctuation to spaces), so
"CÔTE" finds Côte d'Ivoire, "ελλαδα" Ελλάδα and "deutschland" Germany. Ranking, best first:

0. exact: the query is one of the nation's names, or matches country_converter's regular
   expression for it ("burma", "ivory coast", "swaziland")
1. an English name starts with the query ("united" -> United Arab Emirates, United Kingdom,
   United States), then one of its words does ("korea" -> "Korea, Republic of")
2. the same for names in other languages ("deut" -> Deutschland): a short Latin-script query is
   likelier the start of an English name than of a foreign one ("lan" -> Sri Lanka before
   Vietnamese "Lãnh thổ Palestine")
3. an English short name contains the query ("ger" -> Algeria, Niger)
4. typo-tolerant, only when nothing above matched ("germny" -> Germany)

Within a level, English short names beat English official/old names, which beat other languages,
whole-name prefixes beat word prefixes; then alphabetical. A query without a letter (punctuation, digits, blanks) matches nothing.

`SearchIndex` is built once per process from the stored names: a request only ranks (cached).
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

FUZZY_CUTOFF = 0.75
FUZZY_MIN_LENGTH = 3
MAX_QUERY = 100


class Kind(IntEnum):
    """What kind of name matched: lower ranks first at the same match level."""

    NAME = 0  # an English short name ("Germany", "South Korea")
    ALIAS = 1  # English official, old or alternative name ("Federal Republic of Germany", "Burma")
    FOREIGN = 2  # a name in another language or script ("Deutschland", "ドイツ")
    PATTERN = 3  # country_converter's regular expression (stored raw, not normalised)


# How each kind is marked at the start of a line of the stored `search_names` (NAME is unmarked:
# normalised names hold only letters, digits, marks and spaces, so a marker cannot be confused).
MARKERS = {Kind.ALIAS: "+", Kind.FOREIGN: "~", Kind.PATTERN: "/"}
_KIND_OF_MARKER = {m: k for k, m in MARKERS.items()}


def fold(text: str) -> str:
    """Compatibility-decompose, drop combining accents, casefold; punctuation is kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalize(text: str) -> str:
    """`fold`, then everything but letters, digits and marks (of any script) becomes one space."""
    kept = (ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in fold(text))
    return " ".join("".join(kept).split())


def has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def encode(names: dict[Kind, Iterable[str]]) -> str:
    """The stored form of one nation's names: one per line, marked by kind, NAME first."""
    lines: list[str] = []
    seen: set[str] = set()
    for kind in Kind:
        values = names.get(kind, ())
        cleaned = {v for v in values if v} if kind is Kind.PATTERN else {normalize(v) for v in values}
        for value in sorted(cleaned - seen - {""}):
            lines.append(MARKERS.get(kind, "") + value)
            if kind is not Kind.PATTERN:
                seen.add(value)
    return "\n".join(lines)


def decode(stored: str) -> list[tuple[Kind, str]]:
    out = []
    for line in stored.split("\n"):
        if not line:
            continue
        kind = _KIND_OF_MARKER.get(line[0])
        out.append((kind, line[1:]) if kind is not None else (Kind.NAME, line))
    return out


@dataclass(frozen=True)
class IndexedNation:
    code: str
    name: str
    group: str
    search_names: str


class SearchIndex:
    """Every nation's names in the shapes the ranking levels need, built once."""

    def __init__(self, nations: Iterable[IndexedNation]) -> None:
        self.by_name = sorted(nations, key=lambda n: (normalize(n.name), n.code))
        self.codes = [n.code for n in self.by_name]  # all nations, alphabetical
        self.group = {n.code: n.group for n in self.by_name}
        self._order = {code: i for i, code in enumerate(self.codes)}
        exact: dict[str, dict[str, Kind]] = {}
        starts: list[tuple[str, Kind, str]] = []
        words: list[tuple[str, Kind, str]] = []
        short: list[tuple[str, str]] = []
        fuzzy: dict[str, set[str]] = {}
        patterns: list[tuple[re.Pattern[str], str]] = []
        for nation in self.by_name:
            for kind, text in decode(nation.search_names):
                if kind is Kind.PATTERN:
                    patterns.append((re.compile(text, re.IGNORECASE), nation.code))
                    continue
                best = exact.setdefault(text, {})
                best[nation.code] = min(kind, best.get(nation.code, kind))
                starts.append((text, kind, nation.code))
                words.extend((w, kind, nation.code) for w in text.split()[1:])
                if kind is Kind.NAME:
                    short.append((text, nation.code))
                if kind is not Kind.FOREIGN:
                    for candidate in (text, *text.split()):
                        fuzzy.setdefault(candidate, set()).add(nation.code)
        self._exact = exact
        self._starts = sorted(starts)
        self._start_keys = [s[0] for s in self._starts]
        self._words = sorted(words)
        self._word_keys = [w[0] for w in self._words]
        # Only short names: inside official and old names a query meets too many other words
        # ("viet" is in "Byelorussian Soviet Socialist Republic").
        self._short = short
        self._fuzzy = fuzzy
        self._patterns = patterns
        self.rank = lru_cache(maxsize=4096)(self._rank)

    def __len__(self) -> int:
        return len(self.codes)

    def _rank(self, query: str) -> tuple[str, ...]:
        """Codes of the nations `query` finds, best first (see the module docstring)."""
        q = normalize(query)
        if not q or not has_letter(q):
            return ()
        best: dict[str, tuple[int, float]] = {}

        def hit(code: str, level: int, within: float) -> None:
            if code not in best or (level, within) < best[code]:
                best[code] = (level, within)

        for code, kind in self._exact.get(q, {}).items():
            hit(code, 0, kind)
        folded = " ".join(fold(query).split())
        for pattern, code in self._patterns:
            if pattern.search(folded) or pattern.search(q):
                hit(code, 0, Kind.ALIAS)
        for keys, rows, word in ((self._start_keys, self._starts, 0), (self._word_keys, self._words, 1)):
            i = bisect.bisect_left(keys, q)
            while i < len(keys) and keys[i].startswith(q):
                _, kind, code = rows[i]
                # Level 1 or 2 (English or not); within it: whole-name before word, then the kind.
                hit(code, 2 if kind is Kind.FOREIGN else 1, word * 0.5 + kind)
                i += 1
        for text, code in self._short:
            if q in text:
                hit(code, 3, Kind.NAME)
        if not best and len(q) >= FUZZY_MIN_LENGTH:
            self._typos(q, hit)
        ranked = sorted(best, key=lambda c: (*best[c], self._order[c]))
        return tuple(ranked)

    def _typos(self, q: str, hit: Callable[[str, int, float], None]) -> None:
        # Compare the query with the start of each English name and word, one longer than the
        # query ("germny" ~ "germany"): a typed prefix is judged against the same prefix.
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(q)
        for candidate, codes in self._fuzzy.items():
            matcher.set_seq1(candidate[: len(q) + 1])
            if matcher.real_quick_ratio() < FUZZY_CUTOFF or matcher.quick_ratio() < FUZZY_CUTOFF:
                continue
            ratio = matcher.ratio()
            if ratio >= FUZZY_CUTOFF:
                for code in codes:
                    hit(code, 4, 1.0 - ratio)  # closer spellings first
