"""The four benchmark subgraphs (accounts, inventory, products, reviews) of the public scenario.

Each module holds one subgraph's Federation 1 SDL and resolvers; `schema.py` turns that into an
executable graphql-core schema with `_service` and `_entities`; `server.py` serves all four.
"""
