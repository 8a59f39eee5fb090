"""The metrics subgraph: project time series, bucketed queries and the covenant's roll-ups."""
