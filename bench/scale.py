"""`python -m bench.scale --size 10m`: a store of that size, its storefront at 16 clients and its PROFILE db hits.

Sizes: `chinook` (imported if the graph is empty), `1m` and `10m` (a synthetic store of 1M or
10M tracks, `tunegraph import synthetic`: resumable, and skipped once finished), or any `<n>k`
/ `<n>m` for a probe. The import runs as its own process and is measured: seconds, Neo4j's
store and transaction logs on disk, and the peak resident memory of the importer and of Neo4j.
Then the five storefront scenarios (`python -m bench`) at 16 clients, and every Cypher statement
their requests send under PROFILE (`python -m bench.plans`): db hits per request, and any scan.
Writes bench/results/scale-<size>-<time>.{json,md}, and scale-beside.md with the newest report
of every size side by side. `--skip-import` benches the store NEO4J_URI already holds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import plans
from bench.__main__ import main as bench_main
from bench.compare import newest
from bench.footprint import (
    children_cpu_seconds,
    children_peak_rss_mb,
    cpu_seconds,
    memory_settings,
    neo4j_pid,
    peak_rss_mb,
    store_mb,
)
from graph.driver import Graph
from settings import PROJECT_ROOT, Settings

RESULTS = Path(__file__).resolve().parent / "results"
CLIENTS = 16
SEED = 7_000
P99_LIMIT_MS = 150


def tracks_of(size: str) -> int | None:
    """The tracks of a size name (None for chinook): 1m, 10m, 300k..."""
    if size == "chinook":
        return None
    scale = {"k": 1_000, "m": 1_000_000}.get(size[-1:].lower())
    if scale is None or not size[:-1].isdigit() or int(size[:-1]) <= 0:
        raise argparse.ArgumentTypeError(f"--size: expected chinook, 1m, 10m or <n>k / <n>m, got {size!r}")
    return int(size[:-1]) * scale


def _size(raw: str) -> str:
    tracks_of(raw)
    return raw.lower()


async def _memory(settings: Settings) -> dict[str, Any]:
    graph = Graph.connect(settings)
    try:
        served = await memory_settings(graph)
    finally:
        await graph.close()
    # The embedded server's heap is set by -Xmx (TUNEGRAPH_NEO4J_HEAP), which Neo4j reports as None.
    local = neo4j_pid(settings) is not None
    return {"uri": settings.neo4j_uri, "heap": served["heap"] or (settings.neo4j_heap if local else "?"),
            "pageCache": served["pageCache"]}


def _db(action: str, tries: int = 3) -> bool:
    """`tunegraph db start|stop`, tried again while it fails (a start on a busy box can outlast its timeout)."""
    for _ in range(tries):
        command = [sys.executable, str(PROJECT_ROOT / "cli.py"), "db", action]
        if subprocess.run(command, cwd=PROJECT_ROOT, check=False).returncode == 0:
            return True
    print(f"bench.scale: `tunegraph db {action}` failed {tries} times", file=sys.stderr)
    return False


def import_store(settings: Settings, size: str, seed: int) -> dict[str, Any]:
    """Import the store of `size` (the command a person would run) and measure it.

    A local Neo4j is restarted after the import, so that its store is flushed whole to disk
    before it is measured (and the storefront runs on a fresh server).
    """
    tracks = tracks_of(size)
    command = [sys.executable, str(PROJECT_ROOT / "cli.py"), "import"]
    if tracks is None:
        command += ["chinook", "--if-empty"]
    else:
        command += ["synthetic", "--tracks", str(tracks), "--seed", str(seed)]
    before = store_mb(settings) or {}
    neo4j_cpu, own_cpu = cpu_seconds(neo4j_pid(settings)), children_cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    neo4j_now = cpu_seconds(neo4j_pid(settings))
    print(done.stdout, end="", flush=True)
    if done.returncode:
        raise SystemExit(f"bench.scale: the import exited with {done.returncode}")
    figures: dict[str, Any] = {
        "command": " ".join(command[1:]), "tracks": tracks, "seed": seed, "seconds": round(seconds, 1),
        "output": done.stdout.strip(), "importerPeakRssMB": children_peak_rss_mb(),
        "importerCpuSeconds": round(children_cpu_seconds() - own_cpu, 1),
        "neo4jCpuSeconds": None if neo4j_cpu is None or neo4j_now is None else round(neo4j_now - neo4j_cpu, 1),
        "loadAverage": [round(x, 1) for x in os.getloadavg()],
        "neo4jPeakRssMB": peak_rss_mb(neo4j_pid(settings)), "storeMBBefore": before.get("storeMB"),
    }
    if neo4j_pid(settings) is not None and _db("stop"):
        figures.update(store_mb(settings) or {})
        _db("start")
    return figures


def storefront(size: str, duration: float) -> dict[str, Any]:
    """The five scenarios at CLIENTS clients (`python -m bench`), caches off then on, from their JSON reports.

    The caches-off pass goes first: each of its requests reaches Neo4j, so it also warms a server just
    restarted, and the pass with the defaults then measures a store in its steady state.
    """
    passes: dict[str, Any] = {}
    for caches, label, extra in (("off", f"{size}-caches-off", ["--caches-off"]), ("on", size, [])):
        bench_main(["--store", label, "--clients", str(CLIENTS), "--duration", str(duration), "--out", str(RESULTS),
                    *extra])
        run = newest(RESULTS, label)
        assert run is not None
        passes[caches] = run
    run = passes["on"]
    return {"report": run.path.name, "reportCachesOff": passes["off"].path.name, "catalog": run.meta.get("catalog"),
            "loadAverageAtEnd": [round(x, 1) for x in run.meta.get("load_average_at_end") or []],
            "scenarios": _figures(run), "scenariosCachesOff": _figures(passes["off"])}


def _figures(run: Any) -> dict[str, Any]:
    return {f.scenario: {"rps": f.rps, "p50_ms": f.p50_ms, "p99_ms": f.p99_ms, "errors": f.errors,
                         "cypher_per_request": f.cypher_per_request} for f in run.rows}


def db_hits(per_scenario: int) -> dict[str, Any]:
    """Each scenario's requests under PROFILE: db hits per request, per statement, and the scans seen."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plans.json"
        plans.main(["--per-scenario", str(per_scenario), "--json", str(path)])
        rows = json.loads(path.read_text())
    out: dict[str, Any] = {}
    for scenario in dict.fromkeys(r["scenario"] for r in rows):
        mine = [r for r in rows if r["scenario"] == scenario]
        requests = sorted({r["request"] for r in mine})
        per_request = [sum(r["db_hits"] for r in mine if r["request"] == i) for i in requests]
        statements = {s: statistics.median(r["db_hits"] for r in mine if r["statement"] == s)
                      for s in dict.fromkeys(r["statement"] for r in mine)}
        out[scenario] = {"requests": len(per_request), "dbHitsPerRequestP50": statistics.median(per_request),
                         "dbHitsPerRequestMax": max(per_request), "statements": statements,
                         "scans": sorted({s for r in mine for s in r["scans"]})}
    return out


def markdown(report: dict[str, Any]) -> str:
    """The report of one size as Markdown: import figures, then one row per scenario."""
    lines = [f"# Storefront at {report['size']} ({report['when']})", ""]
    imported = report.get("import")
    if imported:
        lines += [f"Import: `{imported['command']}` in {imported['seconds']} s (CPU: importer "
                  f"{imported.get('importerCpuSeconds')} s, Neo4j {imported.get('neo4jCpuSeconds')} s; load average "
                  f"{imported.get('loadAverage')}); store {imported.get('storeMB')} MiB "
                  f"(+ {imported.get('transactionLogsMB')} MiB transaction logs); peak RSS importer "
                  f"{imported['importerPeakRssMB']} MiB, Neo4j {imported.get('neo4jPeakRssMB')} MiB.", "",
                  f"> {imported['output']}", ""]
    catalog = report["storefront"].get("catalog") or {}
    lines += [f"Catalog: {', '.join(f'{n:,} {k}' for k, n in catalog.items())}. Neo4j: heap "
              f"{report['neo4j']['heap']}, page cache {report['neo4j']['pageCache']}. Load average at the end "
              f"of the storefront run: {report['storefront'].get('loadAverageAtEnd', '?')} (on 2 cores, p99 "
              "is only meaningful on a quiet box; db hits are exact).", "",
              f"| scenario | req/s @{CLIENTS} | p50 ms | p99 ms (limit {P99_LIMIT_MS}) | errors | caches off: req/s | "
              "p50 ms | p99 ms | errors | db hits/request p50 | max | statements (db hits p50) | scans |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    off = report["storefront"].get("scenariosCachesOff", {})
    for name, f in report["storefront"]["scenarios"].items():
        hits = report["dbHits"].get(name, {})
        statements = "; ".join(f"{s} {h:g}" for s, h in hits.get("statements", {}).items())
        bare = off.get(name, {})
        lines.append(f"| {name} | {f['rps']} | {f['p50_ms']} | {f['p99_ms']} | {f['errors']} | "
                     f"{bare.get('rps', '-')} | {bare.get('p50_ms', '-')} | {bare.get('p99_ms', '-')} | "
                     f"{bare.get('errors', '-')} | "
                     f"{hits.get('dbHitsPerRequestP50', '-')} | {hits.get('dbHitsPerRequestMax', '-')} | "
                     f"{statements or '-'} | {'; '.join(hits.get('scans', [])) or 'none'} |")
    lines += ["", "Caches on: the defaults (album copy, whole-response cache, chart copy). Caches off: "
              "TUNEGRAPH_ALBUM_CACHE=0 and TUNEGRAPH_RESPONSE_CACHE=0 (charts still held), run first, so every "
              "request reaches Neo4j and the store is warm for the pass with the defaults."]
    return "\n".join(lines) + "\n"


def beside(out: Path) -> Path:
    """scale-beside.md: the newest report of every size, p99 and db hits per request side by side."""
    newest_of: dict[str, dict[str, Any]] = {}
    for path in sorted(out.glob("scale-*.json")):
        data = json.loads(path.read_text())
        if "storefront" in data and "dbHits" in data:  # a report of this layout (older ones are kept as written)
            newest_of[data["size"]] = data
    order = sorted(newest_of, key=lambda s: tracks_of(s) or 0)
    names = " / ".join(order)
    lines = [f"# The storefront by store size ({names})", "",
             f"| scenario | p99 ms @{CLIENTS} ({names}) | caches off | db hits/request p50 ({names}) | scans |",
             "|---|---:|---:|---:|---|"]
    scenarios = dict.fromkeys(s for d in newest_of.values() for s in d["storefront"]["scenarios"])
    for name in scenarios:
        p99 = [newest_of[s]["storefront"]["scenarios"].get(name, {}).get("p99_ms", "-") for s in order]
        bare = [newest_of[s]["storefront"].get("scenariosCachesOff", {}).get(name, {}).get("p99_ms", "-")
                for s in order]
        hits = [newest_of[s]["dbHits"].get(name, {}).get("dbHitsPerRequestP50", "-") for s in order]
        scans = sorted({x for s in order for x in newest_of[s]["dbHits"].get(name, {}).get("scans", [])})
        lines.append(f"| {name} | {' / '.join(map(str, p99))} | {' / '.join(map(str, bare))} | "
                     f"{' / '.join(map(str, hits))} | "
                     f"{'; '.join(scans) or 'none'} |")
    lines += ["", *(f"- {s}: {newest_of[s]['file']}" for s in order)]
    path = out / "scale-beside.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Import (unless skipped), bench, profile, write the reports."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--size", type=_size, required=True, help="chinook, 1m, 10m or <n>k / <n>m")
    parser.add_argument("--seed", type=int, default=SEED, help="the synthetic store's seed")
    parser.add_argument("--skip-import", action="store_true", help="bench the store NEO4J_URI already holds")
    parser.add_argument("--import-only", action="store_true", help="import and measure, no storefront")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per scenario")
    parser.add_argument("--per-scenario", type=int, default=5, help="requests profiled per scenario")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the reports go")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report: dict[str, Any] = {"size": args.size, "when": stamp, "file": f"scale-{args.size}-{stamp}.md",
                              "neo4j": asyncio.run(_memory(settings))}
    if not args.skip_import:
        report["import"] = import_store(settings, args.size, args.seed)
        (args.out / f"scale-import-{args.size}-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps(report["import"]), flush=True)
    if args.import_only:
        return 0
    report["storefront"] = storefront(args.size, args.duration)
    report["dbHits"] = db_hits(args.per_scenario)
    (args.out / f"scale-{args.size}-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    md = args.out / report["file"]
    md.write_text(markdown(report))
    print(md.read_text())
    print(f"report: {md}\nbeside: {beside(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
