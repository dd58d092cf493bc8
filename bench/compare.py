"""Bench reports of several stores side by side: one Markdown table and one chart.

`python -m bench.compare A.json B.json` writes them next to the last report; `python -m bench
--beside chinook` does it after a run, with the newest report of that store.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.report import Figures


@dataclass
class Run:
    """One bench report: its figures and what it ran against."""

    path: Path
    meta: dict[str, Any]
    rows: list[Figures]

    @property
    def store(self) -> str:
        """The store's label (the report's file name where the run had none)."""
        return str(self.meta.get("store") or self.path.stem)

    def size(self) -> str:
        """The catalog's size, as counted when the run started."""
        catalog = self.meta.get("catalog") or {}
        return ", ".join(f"{n:,} {k}" for k, n in catalog.items()) or "size not recorded"


def read(path: Path) -> Run:
    """A report written by `python -m bench`."""
    data = json.loads(path.read_text())
    return Run(path, data["meta"], [Figures(**r) for r in data["results"]])


def newest(out_dir: Path, store: str, besides: Path | None = None) -> Run | None:
    """The newest report of `store` in out_dir (other than `besides`)."""
    for path in sorted(out_dir.glob("bench-*.json"), reverse=True):
        if path == besides:
            continue
        try:
            run = read(path)
        except (ValueError, KeyError, TypeError):
            continue
        if run.meta.get("store") == store:
            return run
    return None


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


COLUMNS = (("req/s", "rps"), ("p50 ms", "p50_ms"), ("p99 ms", "p99_ms"), ("Cypher/req", "cypher_per_request"),
           ("API CPU ms/req", "server_cpu_ms_per_request"), ("Neo4j CPU ms/req", "neo4j_cpu_ms_per_request"),
           ("errors", "errors"))


def table(runs: list[Run]) -> str:
    """One row per scenario and concurrency; each figure once per store, in the runs' order."""
    names = " / ".join(r.store for r in runs)
    head = "| scenario | clients | " + " | ".join(f"{title} ({names})" for title, _ in COLUMNS) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(COLUMNS)]
    for scenario, level in dict.fromkeys((f.scenario, f.concurrency) for r in runs for f in r.rows):
        found = [next((f for f in r.rows if (f.scenario, f.concurrency) == (scenario, level)), None) for r in runs]
        cells = [" / ".join("-" if f is None else _cell(getattr(f, attr)) for f in found) for _, attr in COLUMNS]
        lines.append(f"| {scenario} | {level} | " + " | ".join(cells) + " |")
    stores = [f"- {r.store}: {r.size()}; {r.meta.get('when', '?')}, load average at end "
              f"{_load(r.meta)}; {r.meta.get('server', '')}" for r in runs]
    return "\n".join([*lines, "", *stores])


def _load(meta: dict[str, Any]) -> str:
    return " ".join(f"{x:.1f}" for x in meta.get("load_average_at_end") or []) or "?"


def chart(runs: list[Run], path: Path) -> None:
    """Requests/s and p99 per scenario: one bar per store and concurrency (p99 on a log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(f.scenario for r in runs for f in r.rows))
    series = [(r, level) for r in runs for level in sorted({f.concurrency for f in r.rows})]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True)
    width = 0.8 / len(series)
    x = np.arange(len(scenarios))
    for i, (run, level) in enumerate(series):
        by = {f.scenario: f for f in run.rows if f.concurrency == level}
        label = f"{run.store}, {level} client{'s' if level > 1 else ''}"
        top.bar(x + i * width, [by[s].rps if s in by else 0 for s in scenarios], width, label=label)
        bottom.bar(x + i * width, [(by[s].p99_ms or 0) if s in by else 0 for s in scenarios], width, label=label)
    top.set_ylabel("requests / s")
    bottom.set_ylabel("p99 latency (ms, log)")
    bottom.set_yscale("log")
    bottom.set_xticks(x + width * (len(series) - 1) / 2, scenarios, rotation=15)
    top.legend(fontsize=8)
    top.set_title("tunegraph bench: " + " vs ".join(f"{r.store} ({r.size()})" for r in runs), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(runs: list[Run], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """<stem>.md (the table) and <stem>.png (the chart) under out_dir."""
    md, png = out_dir / f"{stem}.md", out_dir / f"{stem}.png"
    md.write_text(table(runs) + "\n")
    chart(runs, png)
    return md, png


def main(argv: list[str] | None = None) -> int:
    """Put the given reports side by side, next to the last of them."""
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("reports", nargs="+", type=Path, help="bench-*.json reports, in column order")
    args = parser.parse_args(argv)
    runs = [read(p) for p in args.reports]
    last = args.reports[-1]
    md, png = write(runs, last.parent, last.stem + "-beside-" + "-".join(r.store for r in runs[:-1]))
    print(table(runs))
    print(f"\ntable: {md}\nchart: {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
