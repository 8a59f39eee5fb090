"""The federation benchmark: four subgraphs, peer gateways, wrk load, one table of results."""
