"""`python -m bench.soak`: the storefront mix for a set time, to see that the served API stays flat.

The API is started as `python -m bench` starts it (or the one at --url is used), the catalog is
sampled for the queries' variables (bench.queries), and the load generator (bench.load) runs the
mix window after window: album, artist and genre pages, search, bestsellers and recommendations,
with a sprinkle of hostile requests (bad JSON, too deep, too costly, ...) that the server must
refuse clearly. After each window the RSS of the API processes and of Neo4j is read from /proc.
The report (bench/results/soak-<time>.json and .md) puts the first window beside the last; the
exit status is 1 when any window counted errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.__main__ import RESULTS, Target, api_server, children, cypher_sent, local_neo4j_pid, run_job
from bench.queries import catalog_size, recommendations, scenarios
from bench.soak_report import Window, window, write
from settings import Settings

MIX_SIZE = 1000
"""Requests in one cycle of the mix; each client cycles through it from its own offset."""
WEIGHTS: dict[str, float] = {
    "album page": 30, "artist page": 15, "search as you type": 20, "genre page 3": 10, "bestsellers": 10,
    "recommendations": 10,
}
HOSTILE_SHARE = 5.0
"""Percent of the mix that is hostile, split evenly among HOSTILE."""
_GOLDEN = (5**0.5 - 1) / 2


def _deep(levels: int) -> str:
    """Albums' artists' albums' ... `levels` times: four levels of depth each."""
    inner = "name"
    for _ in range(levels):
        inner = f"albums(first: 1) {{ edges {{ node {{ artist {{ {inner} }} }} }} }}"
    return f"{{ {inner} }}"


HOSTILE: dict[str, str] = {
    # Each must get a 4xx or a BAD_REQUEST / QUERY_TOO_COMPLEX error (soak_report.refused); anything else is an error.
    "bad JSON": '{"query": "{ genres { name } "',
    "not an object": "[1, 2, 3]",
    "syntax error": json.dumps({"query": "{ genres { name "}),
    "too deep": json.dumps({"query": _deep(4)}),
    "too costly": json.dumps({"query": "{ artists(first: 100) { edges { node { albums(first: 100) { edges { "
                                        "node { tracks { title artists { name } } } } } } } } }"}),
    "too many aliases": json.dumps({"query": "{ " + " ".join(f"g{i}: genres {{ name }}" for i in range(200)) + " }"}),
    "first over 100": json.dumps({"query": "{ albums(first: 100000) { edges { node { id } } } }"}),
    "bad ID": json.dumps({"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": "x" * 1000}}),
}


@dataclass
class Mix:
    """The requests a soak sends, and the storefront kinds the catalog could not provide for."""

    requests: list[dict[str, str]]
    skipped: dict[str, str] = field(default_factory=dict)


def interleave(bodies: dict[str, list[str]], weights: dict[str, float], size: int = MIX_SIZE) -> list[dict[str, str]]:
    """`size` requests (about), each kind's share by weight, spread evenly; a kind cycles through its bodies."""
    total = sum(weights[kind] for kind in bodies)
    slots: list[tuple[float, str, str]] = []
    for i, (kind, options) in enumerate(bodies.items()):
        count = max(1, round(size * weights[kind] / total))
        phase = i * _GOLDEN % 1  # kinds of equal weight fall between one another, not on the same slots
        slots += [((j + phase) / count, kind, options[j % len(options)]) for j in range(count)]
    slots.sort(key=lambda slot: slot[0])
    return [{"kind": kind, "body": body} for _, kind, body in slots]


def mix(base: str, size: int = MIX_SIZE) -> Mix:
    """The storefront queries with variables sampled from the catalog, and the hostile requests."""
    bodies: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    for scenario in [*scenarios(base), recommendations(base)]:
        if scenario.setup_error:
            skipped[scenario.name] = scenario.setup_error
        else:
            bodies[scenario.name] = [json.dumps({"query": scenario.query, "variables": v}) for v in scenario.variables]
    if not bodies:
        raise SystemExit(f"soak: the catalog provides for no storefront query: {skipped}")
    storefront = sum(WEIGHTS[kind] for kind in bodies)
    weights = {**WEIGHTS, **{kind: storefront * HOSTILE_SHARE / (100 - HOSTILE_SHARE) / len(HOSTILE)
                             for kind in HOSTILE}}
    return Mix(interleave({**bodies, **{kind: [body] for kind, body in HOSTILE.items()}}, weights, size), skipped)


def rss_mib(pid: int | None) -> float | None:
    """Resident memory of a process and its live descendants (uvicorn's workers), MiB, from /proc."""
    if pid is None:
        return None
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    own = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    return round(own + sum(rss_mib(child) or 0.0 for child in children(pid)), 1)


@dataclass
class Soak:
    """What a soak sends, how long, at what concurrency."""

    seconds: float
    window: float
    clients: int
    warmup: float = 0.0


def windows_of(soak: Soak) -> list[float]:
    """The soak's windows, in seconds: at least two (a start and an end), each about `soak.window`."""
    count = max(2, round(soak.seconds / soak.window))
    return [soak.seconds / count] * count


class _Cycle:
    """Runs of the load generator on a mix, each going on where the last left off (not from its start again)."""

    def __init__(self, target: Target, soak: Soak, requests: Mix) -> None:
        self.job: dict[str, Any] = {"url": target.base + "/graphql", "query": "", "variables": [],
                                    "concurrency": soak.clients}
        self.clients = soak.clients
        self.requests = requests.requests
        self.sent = 0

    def run(self, seconds: float) -> dict[str, Any]:
        at = self.sent // self.clients % len(self.requests)  # each client sent about this many
        outcome = run_job({**self.job, "duration": seconds, "mix": self.requests[at:] + self.requests[:at]})
        self.sent += int(outcome["requests"])
        return outcome


def run(target: Target, soak: Soak, requests: Mix) -> tuple[list[Window], dict[str, float | None]]:
    """The soak's windows, one load generator run each, and the memory held before any load."""
    baseline = {"api_rss_mib": rss_mib(target.server_pid), "neo4j_rss_mib": rss_mib(target.neo4j_pid)}
    cycle = _Cycle(target, soak, requests)
    if soak.warmup > 0:
        cycle.run(soak.warmup)
    hostile = set(HOSTILE)
    started = time.perf_counter()
    result: list[Window] = []
    for index, seconds in enumerate(windows_of(soak), 1):
        offset, cypher_before = time.perf_counter() - started, cypher_sent(target.base)
        outcome = cycle.run(seconds)
        cypher = cypher_sent(target.base) - cypher_before
        result.append(window(index, offset, outcome, hostile, cypher,
                             rss_mib(target.server_pid), rss_mib(target.neo4j_pid)))
        print(f"soak: window {index}: {result[-1].rps} req/s, p99 {result[-1].p99_ms} ms, "
              f"{result[-1].errors} errors, API {result[-1].api_rss_mib} MiB", file=sys.stderr)
    return result, baseline


def main(argv: list[str] | None = None) -> int:
    """Run the soak and write bench/results/soak-<time>.{json,md}; 1 when any window counted errors."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the measured load runs")
    parser.add_argument("--window", type=float, default=10.0, help="seconds per measured window")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unmeasured load first")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn worker processes")
    parser.add_argument("--url", help="soak an API already running at this base URL instead of starting one")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON and Markdown reports go")
    parser.add_argument("--store", help="the store's name in the report (chinook, 1m-tracks, ...)")
    parser.add_argument("--mix-size", type=int, default=MIX_SIZE, help="requests in one cycle of the mix")
    args = parser.parse_args(argv)
    soak = Soak(args.seconds, args.window, args.clients, args.warmup)
    settings = Settings.from_env()
    load_at_start = os.getloadavg()
    with api_server(settings, args.workers) if args.url is None else _existing(args.url, settings) as target:
        requests = mix(target.base, args.mix_size)
        windows, baseline = run(target, soak, requests)
        catalog = catalog_size(target.base)
    server = f"uvicorn, {args.workers} worker(s), rate limit off" if args.url is None else args.url
    meta = {"store": args.store, "catalog": catalog, "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": args.seconds, "window_s": args.window, "warmup_s": args.warmup, "clients": args.clients,
            "server": server, "cpus": os.cpu_count(), "neo4j_uri": settings.neo4j_uri,
            "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg(),
            "mix": {kind: round(share, 3) for kind, share in _shares(requests).items()}, "skipped": requests.skipped}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path, md_path = write(windows, baseline, meta, args.out, stamp)
    print(md_path.read_text())
    print(f"report: {json_path}\n        {md_path}")
    return 1 if any(w.errors for w in windows) else 0


def _shares(requests: Mix) -> dict[str, float]:
    counts: dict[str, int] = {}
    for request in requests.requests:
        counts[request["kind"]] = counts.get(request["kind"], 0) + 1
    return {kind: n / len(requests.requests) for kind, n in counts.items()}


@contextmanager
def _existing(url: str, settings: Settings) -> Iterator[Target]:
    yield Target(url.rstrip("/"), None, local_neo4j_pid(settings))


if __name__ == "__main__":
    raise SystemExit(main())
