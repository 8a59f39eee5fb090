"""Who the embedded servers run as.

PostgreSQL refuses to run as root, and sessions and CI run as root. So as root we create (once,
idempotently) an unprivileged system user and run the servers as that user; otherwise we run them
as the invoking user.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

SERVICE_USER = os.environ.get("CHARTER_SERVICE_USER", "charter")


@dataclass(frozen=True)
class RunAs:
    """The account child servers run under; `uid`/`gid` are None for the current user."""

    name: str
    uid: int | None
    gid: int | None

    def popen_kwargs(self) -> dict[str, Any]:
        if self.uid is None or self.gid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def chown(self, path: str) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


def service_account() -> RunAs:
    if os.geteuid() != 0:
        return RunAs(pwd.getpwuid(os.geteuid()).pw_name, None, None)
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        # --system: no aging, no mail spool; no home so nothing lands under /home or /root.
        result = subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            capture_output=True,
            text=True,
            check=False,
        )
        # Exit 9 means another process created it between our lookup and useradd.
        if result.returncode not in (0, 9):
            raise RuntimeError(
                f"cannot create service user {SERVICE_USER!r}: {result.stderr.strip()}"
            ) from None
        entry = pwd.getpwnam(SERVICE_USER)
    grp.getgrgid(entry.pw_gid)  # fail early if the group vanished
    return RunAs(entry.pw_name, entry.pw_uid, entry.pw_gid)
