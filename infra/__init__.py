"""Embedded servers for the one-command stack: real PostgreSQL (primary and streaming replicas)
from the `pgserver` wheel, run as an unprivileged user, plus the process supervision they share."""
