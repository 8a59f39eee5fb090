"""The searchable country selector: prefix first, then substring, then typo-tolerant matches.

"ger" finds Germany, "kore" both Koreas, "cote" Côte d'Ivoire (accents and case are ignored).
There are 195 nations, so ranking in Python over the names is cheaper than any index.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
FUZZY_CUTOFF = 0.75


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold()).strip()


ALT = "~"  # marks an alternative spelling (native names, abbreviations) in a names list


def score(query: str, names: Iterable[str]) -> float | None:
    """How well normalised `query` matches one nation's normalised names; None for no match.

    Alternative spellings (marked with ALT) match by prefix only: a substring or typo match in
    "Republiken Finland" would make "ken" find Finland.
    """
    everything = [n.removeprefix(ALT) for n in names]
    primary = [n for n in names if not n.startswith(ALT)]
    if not query:
        return 0.0
    if any(n == query for n in everything):
        return 5.0
    if any(n.startswith(query) for n in everything):
        return 4.0
    if any(w.startswith(query) for n in everything for w in n.split()):
        return 3.0
    if any(query in n for n in primary):
        return 2.0
    # Typos: compare the query with word prefixes of its own length ("germny" ~ "german").
    words = {w for n in primary for w in n.split()}
    best = 0.0
    for candidate in words | set(primary):
        head = candidate[: len(query) + 1]
        best = max(best, difflib.SequenceMatcher(None, query, head).ratio())
    return best if best >= FUZZY_CUTOFF and len(query) >= 3 else None


def rank(query: str, records: Iterable[tuple[str, str, list[str]]]) -> list[str]:
    """Codes of matching nations, best first; `records` are (code, display name, names)."""
    q = normalize(query)
    scored = []
    for code, display, names in records:
        s = score(q, names)
        if s is not None:
            scored.append((-s, normalize(display), code))
    return [code for _, _, code in sorted(scored)]
