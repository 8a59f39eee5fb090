"""The projects subgraph: 500+ covenant projects across the six regions."""
