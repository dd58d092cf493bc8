"""Soak figures: one window's latencies, errors and memory, and the JSON + Markdown report of a soak."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

CLIENT_ERRORS = frozenset({"BAD_REQUEST", "QUERY_TOO_COMPLEX"})
"""Error codes that refuse a client's mistake (the contract's); a hostile request must get one or a 4xx."""


def refused(answer: str) -> bool:
    """Whether an answer (`400`, `200 QUERY_TOO_COMPLEX`, as bench.load tallies them) clearly refuses a request."""
    status, _, code = answer.partition(" ")
    return status.startswith("4") or (status == "200" and code in CLIENT_ERRORS)


@dataclass
class KindFigures:
    """One kind of request in one window."""

    requests: int
    errors: int
    """Storefront: answers with an error; hostile: answers that were not a clear refusal."""
    p50_ms: float | None
    p99_ms: float | None
    answers: dict[str, int]
    error_samples: list[str]


@dataclass
class Window:
    """One stretch of the soak: throughput, storefront latency, errors and the memory held after it."""

    index: int
    started_s: float
    seconds: float
    requests: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    """Of storefront requests (the hostile ones are refused in no time and would flatter them)."""
    errors: int
    hostile: int
    cypher_per_request: float | None
    api_rss_mib: float | None
    neo4j_rss_mib: float | None
    kinds: dict[str, KindFigures]


def _percentiles(latencies: Iterable[float]) -> tuple[float | None, float | None]:
    values = np.fromiter(latencies, dtype=float)
    if not values.size:
        return None, None
    p50, p99 = np.percentile(values, [50, 99])
    return round(float(p50), 2), round(float(p99), 2)


def kind_figures(tally: dict[str, Any], hostile: bool) -> KindFigures:
    """A kind's figures from bench.load's Tally (as JSON)."""
    answers: dict[str, int] = dict(tally["answers"])
    p50, p99 = _percentiles(tally["latencies_ms"])
    if hostile:
        unexpected = {a: n for a, n in answers.items() if not refused(a)}
        errors, samples = sum(unexpected.values()), [f"answered {a}" for a in unexpected]
    else:
        errors, samples = int(tally["errors"]), list(tally["error_samples"])
    return KindFigures(int(tally["requests"]), errors, p50, p99, answers, samples)


def window(
    index: int, started_s: float, outcome: dict[str, Any], hostile: Collection[str], cypher: float,
    api_rss_mib: float | None, neo4j_rss_mib: float | None,
) -> Window:
    """A window's figures from the load generator's Outcome (as JSON) and what was measured around it."""
    tallies: dict[str, dict[str, Any]] = outcome["kinds"]
    kinds = {kind: kind_figures(tally, kind in hostile) for kind, tally in sorted(tallies.items())}
    storefront = (ms for kind, tally in tallies.items() if kind not in hostile for ms in tally["latencies_ms"])
    p50, p99 = _percentiles(storefront)
    requests, elapsed = int(outcome["requests"]), float(outcome["elapsed"])
    return Window(
        index=index,
        started_s=round(started_s, 1),
        seconds=round(elapsed, 1),
        requests=requests,
        rps=round(requests / elapsed, 1) if elapsed else 0.0,
        p50_ms=p50,
        p99_ms=p99,
        errors=sum(k.errors for k in kinds.values()),
        hostile=sum(k.requests for name, k in kinds.items() if name in hostile),
        cypher_per_request=round(cypher / requests, 2) if requests else None,
        api_rss_mib=api_rss_mib,
        neo4j_rss_mib=neo4j_rss_mib,
        kinds=kinds,
    )


def totals(windows: list[Window]) -> dict[str, dict[str, Any]]:
    """Each kind over the whole soak: requests, errors and answers."""
    result: dict[str, dict[str, Any]] = {}
    for w in windows:
        for name, k in w.kinds.items():
            total = result.setdefault(name, {"requests": 0, "errors": 0, "answers": {}})
            total["requests"] += k.requests
            total["errors"] += k.errors
            for answer, n in k.answers.items():
                total["answers"][answer] = total["answers"].get(answer, 0) + n
    return result


HEADLINE = ("rps", "p50_ms", "p99_ms", "errors", "hostile", "api_rss_mib", "neo4j_rss_mib")


def headline(w: Window) -> dict[str, Any]:
    """The figures the report puts side by side for the first and the last window."""
    return {"window": w.index, **{name: getattr(w, name) for name in HEADLINE}}


def write(
    windows: list[Window], baseline: dict[str, float | None], meta: dict[str, Any], out_dir: Path, stamp: str,
) -> tuple[Path, Path]:
    """soak-<stamp>.json and soak-<stamp>.md under out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "baseline": baseline, "start": headline(windows[0]), "end": headline(windows[-1]),
              "totals": totals(windows), "windows": [asdict(w) for w in windows]}
    json_path = out_dir / f"soak-{stamp}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    md_path = out_dir / f"soak-{stamp}.md"
    md_path.write_text(markdown(windows, baseline, meta) + "\n")
    return json_path, md_path


def markdown(windows: list[Window], baseline: dict[str, float | None], meta: dict[str, Any]) -> str:
    """The report: first window beside last, every window, and each kind of request."""
    first, last = windows[0], windows[-1]
    store = f", {meta['store']} store" if meta.get("store") else ""
    lines = [
        f"# Soak: {meta['seconds']} s of the storefront mix{store}",
        "",
        f"{meta['when']}; {meta['clients']} clients; {meta['server']}; {len(windows)} windows of about "
        f"{meta['window_s']} s after {meta['warmup_s']} s of warm-up; {meta['cpus']} CPUs, load average "
        f"{_load(meta['load_average_at_start'])} at the start, {_load(meta['load_average_at_end'])} at the end.",
        "",
        f"| | start (window {first.index}) | end (window {last.index}) | before the load |",
        "|---|---:|---:|---:|",
        f"| requests/s | {first.rps:g} | {last.rps:g} | |",
        f"| p50 ms (storefront) | {_cell(first.p50_ms)} | {_cell(last.p50_ms)} | |",
        f"| p99 ms (storefront) | {_cell(first.p99_ms)} | {_cell(last.p99_ms)} | |",
        f"| errors | {first.errors} | {last.errors} | |",
        f"| hostile requests (all refused when errors are 0) | {first.hostile} | {last.hostile} | |",
        f"| API RSS MiB | {_cell(first.api_rss_mib)} | {_cell(last.api_rss_mib)} | {_cell(baseline['api_rss_mib'])} |",
        f"| Neo4j RSS MiB | {_cell(first.neo4j_rss_mib)} | {_cell(last.neo4j_rss_mib)} | "
        f"{_cell(baseline['neo4j_rss_mib'])} |",
        "",
        "## Windows",
        "",
        "| window | from s | req/s | p50 ms | p99 ms | errors | hostile | Cypher/req | API RSS MiB | Neo4j RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {w.index} | {w.started_s:g} | {w.rps:g} | {_cell(w.p50_ms)} | {_cell(w.p99_ms)} | {w.errors} | "
          f"{w.hostile} | {_cell(w.cypher_per_request)} | {_cell(w.api_rss_mib)} | {_cell(w.neo4j_rss_mib)} |"
          for w in windows),
        "",
        "## Each kind (counts over the whole soak; latency of the last window)",
        "",
        "| kind | requests | errors | p50 ms | p99 ms | answers |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, total in totals(windows).items():
        k = last.kinds.get(name)
        p50, p99 = (None, None) if k is None else (k.p50_ms, k.p99_ms)
        answers = ", ".join(f"{a}: {n}" for a, n in sorted(total["answers"].items()))
        lines.append(f"| {name} | {total['requests']} | {total['errors']} | {_cell(p50)} | {_cell(p99)} | {answers} |")
    skipped: dict[str, str] = meta.get("skipped") or {}
    lines += ["", *(f"Not in the mix: {name} ({why})." for name, why in skipped.items())] if skipped else []
    samples = {f"- {name}: {s}" for w in windows for name, k in w.kinds.items() for s in k.error_samples}
    return "\n".join(lines + (["", "Errors seen:", "", *sorted(samples)] if samples else []))


def _load(average: list[float]) -> str:
    return "/".join(f"{x:.1f}" for x in average)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
