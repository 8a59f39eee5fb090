"""Results: one record per gateway per round, medians per gateway, ratios, targets, a table."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

PEERS = ("apollo", "hive", "hive-dedup")
OURS = ("charter", "charter-dedup")
RSS_TARGET_MB = 150.0


@dataclass
class RoundResult:
    gateway: str
    round: int
    ok: bool = False
    reason: str = ""
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    mismatches: int = 0  # failed answer checks before/during/after load + suspicious bodies
    checks: int = 0  # answers compared in full with expected.json
    peak_rss_mb: float = 0.0
    load: dict[str, Any] = field(default_factory=dict)
    cpu_cores: dict[str, float] = field(default_factory=dict)  # busy cores during the load

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Summary:
    gateway: str
    label: str
    rounds: int
    ok_rounds: int
    failed: bool
    reason: str
    rps: float | None
    p50_ms: float | None
    p99_ms: float | None
    errors: int
    mismatches: int
    peak_rss_mb: float | None
    rps_rounds: tuple[float, ...] = ()  # in round order: the spread behind the median

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(gateway: str, label: str, results: list[RoundResult]) -> Summary:
    """Medians over the rounds that ran; a gateway failing any correctness check is FAILED."""
    ran = [r for r in results if r.load]
    failed = [r for r in results if not r.ok]
    return Summary(
        gateway=gateway,
        label=label,
        rounds=len(results),
        ok_rounds=len(results) - len(failed),
        failed=bool(failed) or not results,
        reason=failed[0].reason if failed else "",
        rps=_median([r.rps for r in ran]),
        p50_ms=_median([r.p50_ms for r in ran]),
        p99_ms=_median([r.p99_ms for r in ran]),
        errors=sum(r.errors for r in results),
        mismatches=sum(r.mismatches for r in results),
        peak_rss_mb=max((r.peak_rss_mb for r in results if r.peak_rss_mb), default=None),
        rps_rounds=tuple(r.rps for r in ran),
    )


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def results_table(summaries: list[Summary]) -> str:
    rows = [
        "| gateway | status | RPS | p50 ms | p99 ms | errors | mismatches | peak RSS MB "
        "| RPS per round |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in summaries:
        status = f"FAILED ({s.ok_rounds}/{s.rounds} rounds ok)" if s.failed else "ok"
        rows.append(
            f"| {s.label} | {status} | {_num(s.rps)} | {_num(s.p50_ms, 1)} | {_num(s.p99_ms, 1)} "
            f"| {s.errors} | {s.mismatches} | {_num(s.peak_rss_mb)} "
            f"| {' / '.join(_num(r) for r in s.rps_rounds) or '-'} |"
        )
    return "\n".join(rows)


def ratios(summaries: list[Summary]) -> list[dict[str, Any]]:
    """Our RPS over each peer's, and our p99 over theirs (lower is better)."""
    by_name = {s.gateway: s for s in summaries}
    out: list[dict[str, Any]] = []
    for ours in (by_name[n] for n in OURS if n in by_name):
        for peer in (by_name[n] for n in PEERS if n in by_name):
            usable = not ours.failed and not peer.failed and ours.rps and peer.rps
            out.append(
                {
                    "ours": ours.gateway,
                    "peer": peer.gateway,
                    "rps_ratio": ours.rps / peer.rps if usable and ours.rps and peer.rps else None,
                    "p99_ratio": (
                        ours.p99_ms / peer.p99_ms
                        if usable and ours.p99_ms is not None and peer.p99_ms
                        else None
                    ),
                }
            )
    return out


def ratios_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    lines = ["| ours vs peer | RPS ratio | p99 ratio (lower is better) |", "|---|---:|---:|"]
    for row in rows:
        lines.append(
            f"| {row['ours']} vs {row['peer']} | {_ratio(row['rps_ratio'])} "
            f"| {_ratio(row['p99_ratio'])} |"
        )
    return "\n".join(lines)


def targets(summaries: list[Summary], ratio_rows: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, each as a PASS/FAIL/n.a. line."""
    by_name = {s.gateway: s for s in summaries}
    pair = {(r["ours"], r["peer"]): r for r in ratio_rows}
    lines: list[str] = []

    def verdict(ok: bool | None) -> str:
        return "n.a." if ok is None else ("PASS" if ok else "FAIL")

    plain = pair.get(("charter", "hive"))
    if plain is not None:
        rps, p99 = plain["rps_ratio"], plain["p99_ratio"]
        ok = None if rps is None or p99 is None else rps >= 3.0 and p99 <= 1 / 3
        lines.append(
            f"- no dedup: RPS >= 3x Hive and p99 <= 1/3 of Hive's: {verdict(ok)} "
            f"(RPS {_ratio(rps)}, p99 {_ratio(p99)})"
        )
    deduped = pair.get(("charter-dedup", "hive-dedup"))
    if deduped is not None:
        ours = by_name["charter-dedup"]
        rps = deduped["rps_ratio"]
        ok = None if rps is None or ours.p99_ms is None else rps >= 1.5 and ours.p99_ms < 100
        lines.append(
            f"- dedup: RPS >= 1.5x Hive with dedup and p99 < 100 ms: {verdict(ok)} "
            f"(RPS {_ratio(rps)}, p99 {_num(ours.p99_ms, 1)} ms)"
        )
    for name in OURS:
        ours_summary = by_name.get(name)
        if ours_summary is None:
            continue
        rss = None if ours_summary.failed else ours_summary.peak_rss_mb
        ok = None if rss is None else rss <= RSS_TARGET_MB
        lines.append(f"- {name} peak RSS <= {RSS_TARGET_MB:.0f} MB: {verdict(ok)} ({_num(rss)} MB)")
    return lines
