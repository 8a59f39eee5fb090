"""Tracing cost benchmark: the gateway with tracing off, sampled and on (see __main__.py)."""
