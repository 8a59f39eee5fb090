"""`charter gateway`: the federation gateway (see gateway/cli.py)."""

from gateway.cli import register, run

__all__ = ["register", "run"]
