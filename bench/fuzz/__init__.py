"""Fuzzing the gateway from both sides: what clients send, and what subgraphs answer."""
