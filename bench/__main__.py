"""`python -m bench`: start the API on the local Neo4j, load it with each scenario, write the report."""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.compare import newest, read
from bench.compare import write as write_beside
from bench.queries import Scenario, catalog_size, scenarios
from bench.report import Figures, failed, figures, table, write
from settings import PROJECT_ROOT, Settings

RESULTS = Path(__file__).resolve().parent / "results"
CACHES_OFF = {"TUNEGRAPH_ALBUM_CACHE": "0", "TUNEGRAPH_RESPONSE_CACHE": "0"}
"""The environment that turns off the per-process answer copies (what `--caches-off` and bench-peer's "off" serve)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Target:
    """The API under load and the processes whose CPU time is charged to it."""

    base: str
    server_pid: int | None = None
    neo4j_pid: int | None = None


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process and its live descendants (uvicorn's workers), from /proc."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) or 0.0 for child in children(pid))


def children(pid: int) -> list[int]:
    """The live child processes of a process, from /proc."""
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    except OSError:
        return []


def local_neo4j_pid(settings: Settings) -> int | None:
    """The embedded Neo4j serving NEO4J_URI, found by its launcher's host and port arguments."""
    bolt = settings.local_bolt
    if bolt is None:
        return None
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"Launcher") or a.endswith(b"Launcher.java") for a in args) and \
                str(bolt[1]).encode() in args:
            return int(proc.name)
    return None


START_SECONDS = 600


@contextmanager
def api_server(settings: Settings, workers: int, extra_env: dict[str, str] | None = None) -> Iterator[Target]:
    """The API in its own process (uvicorn, `workers` processes), rate limiting off: the bench measures the API."""
    port = _free_port()
    env = {**os.environ, "NEO4J_URI": settings.neo4j_uri, "TUNEGRAPH_HOST": "127.0.0.1",
           "TUNEGRAPH_PORT": str(port), "TUNEGRAPH_RATE_LIMIT": "0", "TUNEGRAPH_WORKERS": str(workers),
           **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "server.py"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        # Every worker started: a request must not wait on another's start-up. At ten million tracks
        # each worker loads a 5 GB model and builds its sale index first (two minutes).
        deadline = time.monotonic() + START_SECONDS
        while not _started(base, workers):
            if proc.poll() is not None:
                raise SystemExit(f"bench: the API server exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: the API's {workers} workers had not started within {START_SECONDS} s")
            time.sleep(0.1)
        yield Target(base, proc.pid, local_neo4j_pid(settings))
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _started(base: str, workers: int) -> bool:
    try:
        return _metric(base, "tunegraph_worker_starts_total") >= workers
    except httpx.HTTPError:
        return False


def cypher_sent(base: str) -> float:
    """tunegraph_cypher_queries_total summed over its labels, from /metrics."""
    return _metric(base, "tunegraph_cypher_queries_total")


def _metric(base: str, name: str) -> float:
    text = httpx.get(base + "/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def load(base: str, scenario: Scenario, concurrency: int, duration: float) -> dict[str, Any]:
    """One run of the load generator in its own process."""
    job = {"url": base + "/graphql", "query": scenario.query, "variables": scenario.variables,
           "concurrency": concurrency, "duration": duration}
    return run_job(job)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """The load generator (bench.load) run on one job in its own process; its Outcome as JSON."""
    done = subprocess.run([sys.executable, "-m", "bench.load"], input=json.dumps(job), capture_output=True,
                          text=True, cwd=PROJECT_ROOT, check=True)
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


def measure(target: Target, scenario: Scenario, concurrency: int, duration: float) -> Figures:
    """Figures of one scenario at one concurrency: Cypher from /metrics deltas, CPU from /proc."""
    if scenario.setup_error:
        return failed(scenario.name, concurrency, scenario.setup_error)
    pids = (target.server_pid, target.neo4j_pid)
    cypher_before, cpu_before = cypher_sent(target.base), [cpu_seconds(p) for p in pids]
    outcome = load(target.base, scenario, concurrency, duration)
    cypher = cypher_sent(target.base) - cypher_before
    cpu = [_delta(cpu_seconds(p), b) for p, b in zip(pids, cpu_before, strict=True)]
    return figures(scenario.name, concurrency, outcome, cypher, server_cpu=cpu[0], neo4j_cpu=cpu[1])


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def main(argv: list[str] | None = None) -> int:
    """Run the bench and write bench/results/bench-<time>.{json,png}."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario and concurrency")
    parser.add_argument("--clients", default="1,16", help="concurrency levels, comma-separated")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load per scenario")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn worker processes")
    parser.add_argument("--url", help="bench an API already running at this base URL instead of starting one")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON report and PNG chart go")
    parser.add_argument("--store", help="the store's name in the report and chart (chinook, 1m-tracks, ...)")
    parser.add_argument("--beside", metavar="STORE", help="also put this run beside the newest report of STORE")
    parser.add_argument("--caches-off", action="store_true",
                        help="serve with the album and whole-response caches off (charts stay held): per-request cost")
    parser.add_argument("--only", help="run only the scenarios whose name contains one of these (comma-separated)")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    settings = Settings.from_env()
    extra = CACHES_OFF if args.caches_off else None
    with api_server(settings, args.workers, extra) if args.url is None else _existing(args.url) as target:
        rows: list[Figures] = []
        size = catalog_size(target.base)
        started = time.perf_counter()
        chosen = [s for s in scenarios(target.base) if _wanted(s.name, args.only)]
        setup_s = round(time.perf_counter() - started, 2)
        for scenario in chosen:
            if args.warmup > 0 and not scenario.setup_error:
                load(target.base, scenario, 4, args.warmup)
            for level in levels:
                rows.append(measure(target, scenario, level, args.duration))
                print(f"bench: {scenario.name} @ {level}: {rows[-1].rps} req/s", file=sys.stderr)
    meta = {"store": args.store, "catalog": size, "setup_s": setup_s,
            "when": datetime.now(UTC).isoformat(timespec="seconds"), "duration_s": args.duration,
            "cpus": os.cpu_count(), "python": platform.python_version(), "neo4j_uri": settings.neo4j_uri,
            "server": f"uvicorn, {args.workers} worker(s), rate limit off",
            "load_generator": "separate process (bench.load)",
            "load_average_at_end": os.getloadavg(), "only": args.only,
            "caches": "off" if args.caches_off else "on"}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path, png_path = write(rows, meta, args.out, stamp)
    print(table(rows))
    print(f"\nreport: {json_path}\nchart:  {png_path}")
    if args.beside:
        _beside(args.out, args.beside, json_path)
    return 0


def _wanted(name: str, only: str | None) -> bool:
    """Whether --only (comma-separated parts of names) selects this scenario; all without it."""
    return not only or any(part.strip() and part.strip() in name for part in only.split(","))


def _beside(out: Path, store: str, json_path: Path) -> None:
    other = newest(out, store, besides=json_path)
    if other is None:
        print(f"bench: no report of the {store} store in {out} to put this run beside", file=sys.stderr)
        return
    md, png = write_beside([other, read(json_path)], out, f"{json_path.stem}-beside-{store}")
    print(f"\nbeside {store} ({other.path.name}):\n{md.read_text()}\ntable: {md}\nchart: {png}")


@contextmanager
def _existing(url: str) -> Iterator[Target]:
    yield Target(url.rstrip("/"))


if __name__ == "__main__":
    raise SystemExit(main())
