"""Apollo Federation 2 composition in Python: subgraph SDLs in, supergraph SDL out.

`compose()` chains the stages (parse, Federation 1 upgrade, merge, print) over one
`CompositionContext` (`context.py`); validation rules live one per module in `rules/` and run by
phase on that context. Depends only on graphql-core, pyyaml and the standard library; imports no
other `gateway` module (tests/composition/test_structure.py checks both that and no import cycle).
"""

from .compose import compose
from .config import load_config
from .types import CompositionError, CompositionResult, SubgraphInput

__all__ = ["CompositionError", "CompositionResult", "SubgraphInput", "compose", "load_config"]
