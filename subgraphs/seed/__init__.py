"""Deterministic seed data: the nations catalog, 540 projects (90 per region) and their metrics."""
