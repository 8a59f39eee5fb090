"""The platform's three Strawberry Federation 2 subgraphs (nations, projects, metrics), run per region."""
