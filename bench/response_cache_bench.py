"""`python -m bench.response_cache_bench`: the response cache's hit ratio under a Zipf mix of album pages.

`--page also-bought` mixes a track's "customers also bought" panel instead (tracks by popularity).
Keys are ranked by popularity (rank 1 the most popular); each request asks for the key of rank k
with probability proportional to 1/k^s. The sequence, fixed by its seed, is sent to a running API by the
load generator (bench.load: each client walks its own stretch of it) and the cache's own counters on
/metrics tell the hits (every worker keeps its own entries); beside it, the hit ratio one process with
as many entries would have on as many requests of the sequence (an LRU simulated here).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import sys
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api.ids import to_global
from bench.__main__ import RESULTS, run_job
from bench.queries import ALBUM_PAGE
from graph.driver import Cypher, Graph
from settings import Settings

BY_POPULARITY = {
    label: Cypher(
        "bench_keys_by_popularity",
        f"MATCH (a:{label}) WHERE a.popularity IS NOT NULL RETURN a.key AS key ORDER BY a.popularity DESC, a.key "
        "LIMIT $n",
    )
    for label in ("Album", "Track")
}
ALSO_BOUGHT = """query AlsoBought($id: ID!) { node(id: $id) { ... on Track {
  id alsoBought(first: 10, territory: "US") { id title album { id title } }
} } }"""
PAGES = {"album": ("Album", ALBUM_PAGE), "also-bought": ("Track", ALSO_BOUGHT)}
"""--page: the label whose keys are mixed, and the query each asks."""
LOOKUPS = "tunegraph_response_cache_lookups_total"


async def popular_keys(settings: Settings, label: str, n: int) -> list[str]:
    """The `n` most popular album (or track) keys, most popular first."""
    graph = Graph.connect(settings)
    try:
        return [r["key"] for r in await graph.read(BY_POPULARITY[label], {"n": n})]
    finally:
        await graph.close()


def zipf_ranks(keys: int, exponent: float, length: int, seed: int) -> list[int]:
    """`length` ranks in 0..keys-1, rank k drawn with probability proportional to 1/(k+1)^exponent."""
    weights = list(itertools.accumulate(1.0 / (k + 1) ** exponent for k in range(keys)))
    return random.Random(seed).choices(range(keys), cum_weights=weights, k=length)


def lru_hit_ratio(sequence: list[int], capacity: int, processes: int = 1) -> float:
    """What `processes` LRUs of `capacity` entries each hit on `sequence`, its requests dealt to them in turn."""
    held: list[OrderedDict[int, None]] = [OrderedDict() for _ in range(processes)]
    hits = 0
    for i, item in enumerate(sequence):
        mine = held[i % processes]
        if item in mine:
            hits += 1
            mine.move_to_end(item)
            continue
        mine[item] = None
        if len(mine) > capacity:
            mine.popitem(last=False)
    return hits / max(1, len(sequence))


SIMULATED_KEYS = (1_000, 10_000, 100_000, 1_000_000)
"""Key spaces (albums) the steady-state hit ratio is simulated for, whatever the store holds."""


def simulated(exponent: float, length: int, capacity: int, processes: int, seed: int) -> dict[str, float]:
    """The hit ratio of `processes` LRUs under the Zipf mix, by the number of keys, over `length` requests."""
    return {str(keys): round(lru_hit_ratio(zipf_ranks(keys, exponent, length, seed), capacity, processes), 4)
            for keys in SIMULATED_KEYS}


def lookups(base: str) -> dict[str, float]:
    """The cache's hit and miss counts, all workers summed, from /metrics."""
    found = {"hit": 0.0, "miss": 0.0}
    for line in httpx.get(base + "/metrics", timeout=10).text.splitlines():
        if line.startswith(LOOKUPS):
            result = line.split('result="', 1)[1].split('"', 1)[0]
            found[result] = found.get(result, 0.0) + float(line.rsplit(" ", 1)[1])
    return found


def main(argv: list[str] | None = None) -> int:
    """Load the API at --url with the Zipf mix and write bench/results/response-cache-<store>.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.response_cache_bench", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running API's base URL")
    parser.add_argument("--store", default="chinook", help="the store's name in the report")
    parser.add_argument("--page", choices=sorted(PAGES), default="album", help="what each request asks for")
    parser.add_argument("--keys", type=int, default=20_000, help="albums (tracks) in the mix (the most popular)")
    parser.add_argument("--exponent", type=float, default=1.0, help="the Zipf exponent s")
    parser.add_argument("--requests", type=int, default=200_000, help="length of the request sequence")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--capacity", type=int, default=Settings().response_cache, help="entries per process")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--processes", type=int, default=2, help="serving processes, for the simulated ratios")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    label, query = PAGES[args.page]
    keys = asyncio.run(popular_keys(Settings.from_env(), label, args.keys))
    ranks = zipf_ranks(len(keys), args.exponent, args.requests, args.seed)
    before = lookups(base)
    outcome = run_job({"url": base + "/graphql", "query": query, "concurrency": args.clients,
                       "duration": args.duration, "variables": [{"id": to_global(label, keys[r])} for r in ranks]})
    after = lookups(base)
    hits, misses = after["hit"] - before["hit"], after["miss"] - before["miss"]
    sent = outcome["requests"]
    latencies = sorted(outcome["latencies_ms"]) or [0.0]
    report: dict[str, Any] = {
        "store": args.store, "page": args.page, "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "keys": len(keys),
        "exponent": args.exponent, "capacity_per_process": args.capacity, "clients": args.clients,
        "requests": sent, "errors": outcome["errors"], "rps": round(sent / outcome["elapsed"], 1),
        "p50_ms": round(latencies[len(latencies) // 2], 2), "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2),
        "hits": hits, "misses": misses, "hit_ratio": round(hits / max(1.0, hits + misses), 4),
        "one_process_lru_hit_ratio": round(lru_hit_ratio(ranks[:sent], args.capacity), 4),
        "simulated_steady_state": {"requests": args.requests, "processes": args.processes,
                                   "hit_ratio_by_keys": simulated(args.exponent, args.requests, args.capacity,
                                                                  args.processes, args.seed)},
        "load_average": os.getloadavg(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.page == "album" else f"-{args.page}"
    path = args.out / f"response-cache-{args.store}{suffix}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"report: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
