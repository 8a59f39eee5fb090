"""Benchmarks of the Charter gateway against peer gateways (see bench/README.md)."""
