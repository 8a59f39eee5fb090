"""What the three subgraphs share: request context, errors, Relay paging, enums, the HTTP app."""
