"""`charter status --data-dir DIR [--json]`: every process of a running `charter up`, checked now.

`charter up` keeps `<DIR>/status.json` (infra/supervisor.py); this command reads it, checks that
each pid is alive and asks each process whether it is healthy, and prints a table, or with
`--json` one JSON object (schema `charter-status/1`, stable for scripts such as the chaos check):

    {
      "schema": "charter-status/1",
      "data_dir": "/tmp/x",
      "healthy": true,                  # up is alive and every process is "healthy"
      "up": {"pid": 123, "alive": true, "state": "running" | "stopping",
             "started_at": 1764590000.0, "updated_at": 1764590042.5, "gateway_url": "http://..."},
      "processes": [
        {"name": "nations@ams",         # unique
         "role": "gateway" | "subgraph" | "postgres-primary" | "postgres-replica" | "nats",
         "subgraph": "nations",         # role subgraph only
         "region": "ams" | null, "port": 4101, "pid": 456, "alive": true,
         "state": "running" | "starting" | "restarting" | "stopped",   # as the supervisor sees it
         "health": "healthy" | "degraded" | "unhealthy" | "down",      # checked by this command
         "detail": "...",               # why, when not healthy (else null)
         "restarts": 0, "last_exit_code": null, "last_exit_at": null,  # unix seconds
         "url": "http://.../graphql", "health_url": "http://.../health"}
      ]
    }

"degraded": it serves, with less (a subgraph whose replica is out reads from the primary).
Exit status: 0 when healthy, 1 when anything is not, 2 when DIR has no status file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

STATUS_FILE = "status.json"
SCHEMA = "charter-status/1"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/charter-up"), help="the --data-dir of charter up")
    parser.add_argument("--json", action="store_true", help="one JSON object (schema charter-status/1)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per health check")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited: not alive
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


async def _http_health(url: str, seconds: float) -> tuple[str, str | None]:
    import aiohttp

    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as session,
            session.get(url) as r,
        ):
            if r.status != 200:
                return "unhealthy", f"HTTP {r.status}"
            try:
                body = await r.json(content_type=None)
            except ValueError:
                return "healthy", None
    except TimeoutError:
        return "unhealthy", f"no answer within {seconds:g}s"
    except aiohttp.ClientError as e:
        return "unhealthy", e.__class__.__name__
    if isinstance(body, dict) and body.get("status") == "degraded":
        replica = body.get("replica") or {}
        return "degraded", f"reads from the {body.get('reads')}: {replica.get('reason')}"
    return "healthy", None


async def _tcp_health(port: int, seconds: float) -> tuple[str, str | None]:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), seconds)
    except (OSError, TimeoutError) as e:
        return "unhealthy", f"port {port}: {e.__class__.__name__}"
    writer.close()
    return "healthy", None


async def _check(proc: dict[str, Any], seconds: float) -> dict[str, Any]:
    out = dict(proc)
    out["alive"] = _alive(proc.get("pid"))
    if not out["alive"]:
        out["health"], out["detail"] = "down", f"pid {proc.get('pid')} is not running"
    elif proc.get("health_url"):
        out["health"], out["detail"] = await _http_health(proc["health_url"], seconds)
    elif proc.get("port"):
        out["health"], out["detail"] = await _tcp_health(int(proc["port"]), seconds)
    else:
        out["health"], out["detail"] = "healthy", None
    return out


async def collect(data_dir: Path, seconds: float = 1.0) -> dict[str, Any] | None:
    path = data_dir / STATUS_FILE
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    up = dict(saved.get("up") or {})
    up["alive"] = _alive(up.get("pid"))
    processes = await asyncio.gather(*(_check(p, seconds) for p in saved.get("processes") or ()))
    return {
        "schema": SCHEMA,
        "data_dir": str(data_dir),
        "healthy": up["alive"] and all(p["health"] == "healthy" for p in processes),
        "up": up,
        "processes": list(processes),
    }


def _table(report: dict[str, Any]) -> str:
    up = report["up"]
    lines = [
        f"charter up pid {up.get('pid')} ({'alive' if up['alive'] else 'NOT RUNNING'}), {report['data_dir']}",
        f"{'NAME':24} {'ROLE':17} {'REGION':6} {'PORT':>5} {'PID':>7} {'HEALTH':9} {'RESTARTS':>8}  DETAIL",
    ]
    for p in report["processes"]:
        lines.append(
            f"{p['name']:24} {p['role']:17} {p.get('region') or '-':6} {p.get('port') or '-':>5} "
            f"{p.get('pid') or '-':>7} {p['health']:9} {p['restarts']:>8}  {p.get('detail') or ''}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    report = asyncio.run(collect(args.data_dir, args.timeout))
    if report is None:
        message = f"no charter up status in {args.data_dir} ({STATUS_FILE} missing)"
        if args.json:
            print(json.dumps({"schema": SCHEMA, "data_dir": str(args.data_dir), "error": message}))
        else:
            print(f"charter status: {message}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else _table(report))
    return 0 if report["healthy"] else 1
