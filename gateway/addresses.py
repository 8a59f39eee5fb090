"""Internal addresses (`host:port`) in text that reaches clients, matched in linear time.

The text is often a subgraph's (an error message, or bytes aiohttp quotes from a broken answer),
so it can be hundreds of kilobytes of whatever the subgraph chose. A host pattern that may start
anywhere inside a run of name characters (`[a-z][\\w-]*(\\.[\\w-]+)+`) rescans the rest of the run
from every position: quadratic, minutes of event loop for 400 KB of `x` (issue 10: one subgraph's
bad answer froze the whole gateway). Here a name starts only where a run of name characters
starts (the lookbehind) and every quantifier is possessive, so each run is read once.
"""

from __future__ import annotations

# localhost, a dotted name with a letter in it (not a version or a time like 1.5:30), an IPv4
# address (four or more dotted numbers), or [v6]
HOST = (
    r"(?:localhost|(?=[\w.-]*[a-zA-Z])[\w-]*+(?:\.[\w-]*+)++|\d{1,3}+(?:\.\d{1,3}+){3,}+|\[[0-9a-fA-F:]++\])"
)
# where a host may start: not inside a run of characters a name (or a URL scheme) is made of
RUN_START = r"(?<![\w.+-])"
