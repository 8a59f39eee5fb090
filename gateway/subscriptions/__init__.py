"""Federated subscriptions: event sources (NATS, upstream graphql-transport-ws), shared streams
with per-event entity fetches, and bounded fan-out to the client protocols in `gateway.http`."""
