"""When the service user cannot reach the venv (a clone under /root), the PostgreSQL binaries are
copied once to a cache it can read, instead of widening permissions on the user's directories."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from infra import postgres
from infra.runas import RunAs, service_account


@pytest.mark.skipif(os.geteuid() != 0, reason="the copy only happens when servers run as another user")
def test_unreachable_install_is_copied_to_a_readable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    hidden = Path(tempfile.mkdtemp(prefix="charter-hidden-"))  # mode 0700, like /root
    cache = Path(tempfile.mkdtemp(prefix="charter-cache-"))
    try:
        fake_install = hidden / "pginstall"
        (fake_install / "bin").mkdir(parents=True)
        binary = fake_install / "bin" / "postgres"
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o700)
        monkeypatch.setattr(postgres, "_pgserver_install", lambda: fake_install)
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
        cache.chmod(0o755)
        bindir = postgres.binaries_dir(RunAs("charter", 999, 999))
        assert bindir.is_relative_to(cache)
        assert postgres._reachable_by_all(bindir / "postgres")
        assert (bindir / "postgres").stat().st_mode & stat.S_IXOTH
        assert stat.S_IMODE(hidden.stat().st_mode) == 0o700  # the user's directory was left alone
        assert postgres.binaries_dir(RunAs("charter", 999, 999)) == bindir  # copied once
    finally:
        shutil.rmtree(hidden, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the copy only happens when servers run as another user")
def test_copied_binaries_find_their_shared_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wheel's binaries load libpq through an RPATH relative to themselves: a clone in a
    private folder (mkdtemp, /root) gets a copy that still runs, as the service user."""
    import subprocess

    real = postgres._pgserver_install()
    hidden = Path(tempfile.mkdtemp(prefix="charter-hidden-"))  # a private site-packages
    cache = Path(tempfile.mkdtemp(prefix="charter-cache-"))
    try:
        site = hidden / "site-packages"
        shutil.copytree(real, site / "pgserver" / "pginstall", symlinks=True)
        shutil.copytree(real.parent.parent / "pgserver.libs", site / "pgserver.libs", symlinks=True)
        monkeypatch.setattr(postgres, "_pgserver_install", lambda: site / "pgserver" / "pginstall")
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
        cache.chmod(0o755)
        account = service_account()
        bindir = postgres.binaries_dir(account)
        assert bindir.is_relative_to(cache)
        done = subprocess.run(
            [str(bindir / "initdb"), "--version"], capture_output=True, text=True, timeout=30,
            **account.popen_kwargs(),  # type: ignore[arg-type]  # user/group keyword arguments
        )
        assert done.returncode == 0 and "initdb (PostgreSQL) 16" in done.stdout, done.stderr
    finally:
        shutil.rmtree(hidden, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
