"""Planner micro-benchmarks: ours against Apollo's query planner, on the benchmark query and on a
generated 100-subgraph supergraph (see bench/planner/README.md)."""
