"""Bench figures: per-run statistics, the JSON report, the chart and the console table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Figures:
    """One scenario at one concurrency."""

    scenario: str
    concurrency: int
    requests: int
    errors: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    cypher_per_request: float | None
    server_cpu_ms_per_request: float | None
    neo4j_cpu_ms_per_request: float | None
    error_samples: list[str]
    client_cpu_ms_per_request: float | None = None


def figures(
    scenario: str, concurrency: int, outcome: dict[str, Any], cypher: float,
    server_cpu: float | None = None, neo4j_cpu: float | None = None,
) -> Figures:
    """Statistics of one load run; latencies are of answered requests, errors included."""
    latencies = np.asarray(outcome["latencies_ms"], dtype=float)
    requests = int(outcome["requests"])
    p50, p99 = (np.percentile(latencies, [50, 99]) if latencies.size else (None, None))
    return Figures(
        scenario=scenario,
        concurrency=concurrency,
        requests=requests,
        errors=int(outcome["errors"]),
        rps=round(requests / outcome["elapsed"], 1) if outcome["elapsed"] else 0.0,
        p50_ms=None if p50 is None else round(float(p50), 2),
        p99_ms=None if p99 is None else round(float(p99), 2),
        cypher_per_request=round(cypher / requests, 2) if requests else None,
        server_cpu_ms_per_request=_per_request_ms(server_cpu, requests),
        neo4j_cpu_ms_per_request=_per_request_ms(neo4j_cpu, requests),
        error_samples=list(outcome["error_samples"]),
        client_cpu_ms_per_request=_per_request_ms(outcome.get("cpu_seconds"), requests),
    )


def _per_request_ms(cpu_seconds: float | None, requests: int) -> float | None:
    return round(cpu_seconds * 1000 / requests, 2) if cpu_seconds is not None and requests else None


def failed(scenario: str, concurrency: int, reason: str) -> Figures:
    """A scenario that could not run at all (its query or its data is missing)."""
    return Figures(scenario, concurrency, 0, 1, 0.0, None, None, None, None, None, [reason])


def table(rows: list[Figures]) -> str:
    """The figures as a Markdown table."""
    lines = ["| scenario | clients | req/s | p50 ms | p99 ms | Cypher/req | API CPU ms/req | Neo4j CPU ms/req "
             "| client CPU ms/req | requests | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.scenario} | {r.concurrency} | {r.rps} | {_cell(r.p50_ms)} | {_cell(r.p99_ms)} | "
                     f"{_cell(r.cypher_per_request)} | {_cell(r.server_cpu_ms_per_request)} | "
                     f"{_cell(r.neo4j_cpu_ms_per_request)} | {_cell(r.client_cpu_ms_per_request)} | "
                     f"{r.requests} | {r.errors} |")
    notes = [f"- {r.scenario} @ {r.concurrency}: {s}" for r in rows for s in r.error_samples]
    return "\n".join(lines + (["", *notes] if notes else []))


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def write(rows: list[Figures], meta: dict[str, Any], out_dir: Path, stamp: str) -> tuple[Path, Path]:
    """bench-<stamp>.json and bench-<stamp>.png under out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"bench-{stamp}.json"
    json_path.write_text(json.dumps({"meta": meta, "results": [asdict(r) for r in rows]}, indent=2) + "\n")
    png_path = out_dir / f"bench-{stamp}.png"
    chart(rows, png_path, meta)
    return json_path, png_path


def chart(rows: list[Figures], path: Path, meta: dict[str, Any]) -> None:
    """Grouped bars: requests/s and p99 latency per scenario, one bar per concurrency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(r.scenario for r in rows))
    levels = sorted({r.concurrency for r in rows})
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    width = 0.8 / len(levels)
    x = np.arange(len(scenarios))
    for i, level in enumerate(levels):
        by = {r.scenario: r for r in rows if r.concurrency == level}
        rps = [by[s].rps if s in by else 0 for s in scenarios]
        p99 = [(by[s].p99_ms or 0) if s in by else 0 for s in scenarios]
        top.bar(x + i * width, rps, width, label=f"{level} client{'s' if level > 1 else ''}")
        bottom.bar(x + i * width, p99, width, label=f"{level} client{'s' if level > 1 else ''}")
        for j, s in enumerate(scenarios):
            if s in by and by[s].errors:
                top.annotate("errors", (x[j] + i * width, rps[j]), ha="center", va="bottom", fontsize=7, color="red")
    top.set_ylabel("requests / s")
    bottom.set_ylabel("p99 latency (ms)")
    bottom.set_xticks(x + width * (len(levels) - 1) / 2, scenarios, rotation=15)
    top.legend()
    store = f"{meta['store']} store, " if meta.get("store") else ""
    top.set_title(f"tunegraph bench, {store}{meta.get('duration_s')} s per run, {meta.get('cpus')} CPUs")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
