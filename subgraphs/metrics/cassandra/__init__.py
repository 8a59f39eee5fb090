"""The metrics subgraph's Cassandra read model: keyspace `charter_metrics`, the async driver
session, the store behind the bucketed queries, and the outbox applier that feeds it."""
