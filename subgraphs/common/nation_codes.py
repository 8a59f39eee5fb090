"""The one rule for nation codes, wherever a subgraph accepts one (arguments, filters, inputs,
entity keys): ISO 3166-1 alpha-2 or alpha-3, in any case. Stored and returned codes are alpha-2.
"""

from __future__ import annotations

import re

import pycountry

from subgraphs.common.errors import user_error

RULE = "must be an ISO 3166-1 alpha-2 or alpha-3 code, in any case (e.g. 'DE', 'de' or 'DEU')"
_SHAPE = re.compile(r"[A-Za-z]{2,3}")
# Built once at import: ISO 3166-1 has 249 codes, a dict lookup beats asking pycountry per call.
_ALPHA3_TO_ALPHA2 = {c.alpha_3: c.alpha_2 for c in pycountry.countries}


class BadNationCode(ValueError):
    """The text is not shaped like an ISO 3166-1 code at all (a well-formed unknown code is fine)."""


def parse_nation_code(raw: str) -> str:
    """The alpha-2 code `raw` names: "de", "DE", "deu" and "DEU" all give "DE".

    A well-formed code that names no country ("XX", "QQQ") comes back upper-cased: it is a valid
    question with no answer (a lookup finds nothing), not bad input.
    """
    if not isinstance(raw, str) or not _SHAPE.fullmatch(raw):
        shown = raw[:20] if isinstance(raw, str) else raw
        raise BadNationCode(f"nation code {shown!r} {RULE}")
    code = raw.upper()
    return _ALPHA3_TO_ALPHA2.get(code, code) if len(code) == 3 else code


def nation_code_argument(raw: str, name: str = "code") -> str:
    """`parse_nation_code` for a GraphQL argument: bad input is a BAD_USER_INPUT error."""
    try:
        return parse_nation_code(raw)
    except BadNationCode as exc:
        raise user_error(f"`{name}`: {exc}") from None
