"""CSRF prevention as Apollo Router does it.

A browser can send a "simple" request (GET, or POST with a form or text content type) cross-site
without a CORS preflight, carrying the user's cookies. Such a request is served only if it proves
it was not simple: a content type other than the three simple ones, or a header no form can set
(`x-apollo-operation-name`, `apollo-require-preflight`, or one configured). POSTs must already be
JSON here, so in practice this guards GET (and a multipart POST, refused).
"""

from __future__ import annotations

from collections.abc import Mapping

_SIMPLE = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
DEFAULT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight")
MESSAGE = (
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either"
    " specify a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded,"
    " multipart/form-data, text/plain) or provide one of the following headers: "
)


def preflighted(headers: Mapping[str, str], required: tuple[str, ...] = DEFAULT_HEADERS) -> bool:
    content_type = headers.get("content-type")
    if content_type is not None:
        essence = content_type.split(";", 1)[0].strip().lower()
        if essence and essence not in _SIMPLE:
            return True
    return any(headers.get(h) is not None for h in required)
