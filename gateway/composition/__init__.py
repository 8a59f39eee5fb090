"""Apollo Federation 2 composition in Python: subgraph SDLs in, supergraph SDL out.

Depends only on graphql-core, pyyaml and the standard library; imports no other `gateway` module.
"""

from .compose import compose
from .config import load_config
from .types import CompositionError, CompositionResult, SubgraphInput

__all__ = ["CompositionError", "CompositionResult", "SubgraphInput", "compose", "load_config"]
