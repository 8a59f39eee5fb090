"""The audit's "punish poor plans" mode: some subgraphs fail on purpose when a gateway uses them
although a better plan exists. Off by default, as in the audit; set PUNISH_FOR_POOR_PLANS=true in
the environment of `pytest tests/audit` (the suite server inherits it) to judge plan quality too."""

from __future__ import annotations

import os


def punish_poor_plans() -> bool:
    return os.environ.get("PUNISH_FOR_POOR_PLANS") == "true"
