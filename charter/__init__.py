"""The `charter` console script: one entry point for the gateway and the platform around it."""
