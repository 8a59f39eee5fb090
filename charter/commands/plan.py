"""`charter plan`: print a query plan (see gateway/plan_cli.py)."""

from gateway.plan_cli import register, run

__all__ = ["register", "run"]
