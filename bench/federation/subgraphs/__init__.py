"""The four benchmark subgraphs (accounts, inventory, products, reviews) of the public scenario.

Each module holds one subgraph's Federation 1 SDL and resolvers; `schema.py` turns that into an
executable graphql-core schema with `_service` and `_entities`; `server.py` serves all four.
"""

from . import accounts, inventory, products, reviews

# Each subgraph's SDL by name: what composition reads (the workload's supergraph is composed from it).
SDLS = {module.__name__.rsplit(".", 1)[1]: module.SDL for module in (accounts, inventory, products, reviews)}
