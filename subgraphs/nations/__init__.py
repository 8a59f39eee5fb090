"""The nations subgraph: the 195 nations of the covenant."""
