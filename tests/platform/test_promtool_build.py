"""`make setup` starts promtool's build in the background and the rule tests wait for it: checked
with a stand-in `go` (a script that takes a moment and installs an executable where `go install`
would), in a private cache directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra import promtool

ROOT = Path(__file__).resolve().parents[2]
FAKE_GO = """#!/bin/sh
# go install -tags remove_all_sd MODULE@VERSION: once the test releases it, an executable in $GOBIN
touch "$XDG_CACHE_HOME/started"
while [ ! -f "$XDG_CACHE_HOME/release" ]; do sleep 0.05; done
printf '#!/bin/sh\\necho promtool stand-in\\n' > "$GOBIN/promtool"
chmod +x "$GOBIN/promtool"
"""


def test_background_build_is_started_once_and_awaited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "go").write_text(FAKE_GO)
    (bin_dir / "go").chmod(0o755)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("PROMTOOL", None)
    for key in ("XDG_CACHE_HOME", "PATH"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("PROMTOOL", raising=False)

    def background() -> str:
        out = subprocess.run([sys.executable, "-m", "infra.promtool", "--background"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=30, check=True)
        return out.stdout

    assert "in the background" in background()
    assert promtool.cached() is None and promtool.building() is not None
    assert "is being built" in background()  # a second `make setup` does not start another
    leader = promtool.building()
    assert leader is not None
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "cache" / "started").exists():  # another process: nothing to await but a file
            assert time.monotonic() < deadline, "the build never ran go"
            time.sleep(0.05)
        # Nobody waits for it yet: it runs at the lowest CPU priority, the fake go included.
        assert _priorities(promtool.session_pids(leader)) == {19}
        assert promtool.hurry(leader) >= 2  # python -m infra.promtool, and the go it runs
        if os.geteuid() == 0:  # raising a priority needs CAP_SYS_NICE
            # the build and its go (a `sleep` the stand-in forked a moment before may still be at 19)
            lasting = [pid for pid in promtool.session_pids(leader) if b"sleep" not in _cmdline(pid)]
            assert len(lasting) >= 2 and _priorities(lasting) == {0}
    finally:
        (tmp_path / "cache" / "release").touch()  # a failed check must not leave the fake go waiting
    path = promtool.wait_for_build(within=60)
    assert path is not None and path == promtool.cache_dir() / "promtool"
    assert subprocess.run([str(path)], capture_output=True, text=True, check=True).stdout.strip() == "promtool stand-in"
    assert f"promtool {promtool.VERSION} in" in background()  # built: nothing more to do


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it ended meanwhile: a `sleep`, never the build or its go
        return b"sleep"


def _priorities(pids: list[int]) -> set[int]:
    """The nice values of those still alive."""
    found = set()
    for pid in pids:
        try:
            found.add(os.getpriority(os.PRIO_PROCESS, pid))
        except ProcessLookupError:
            continue
    return found
