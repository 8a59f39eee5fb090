"""The type checker's escape hatch is used with care: every `type: ignore` in the checked
packages names its error code (mypy's `ignore-without-code` enforces that) and says why."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECKED = ("gateway", "charter", "subgraphs", "infra", "regions", "bench")
IGNORE = re.compile(r"#\s*type:\s*ignore")
WITH_REASON = re.compile(r"#\s*type:\s*ignore\[[a-z0-9,-]+\]\s+#\s*\S")


def test_every_type_ignore_names_its_code_and_a_reason() -> None:
    bare = []
    for package in CHECKED:
        for path in sorted((REPO / package).rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if IGNORE.search(line) and not WITH_REASON.search(line):
                    bare.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not bare, "type: ignore without `[code]  # reason`:\n" + "\n".join(bare)
