"""Test harness for the federation conformance corpus: subgraph runtime, scenarios, matcher."""
