"""shared_path: Query.shop and Shop.owner are shared by north and south, with no keys anywhere.
The leaf decides the subgraph: boat lives only in north, car only in south; asking for both needs
the whole path from both subgraphs."""

from __future__ import annotations

from harness.resolvers import Subgraph

SUBGRAPHS = {
    "north": Subgraph(query={"shop": {"owner": {"name": "Ola", "boat": "Dory"}}}),
    "south": Subgraph(query={"shop": {"owner": {"name": "Ola", "car": "Fiat"}}}),
}
