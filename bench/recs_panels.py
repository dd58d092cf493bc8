"""Recommendation panels under load: p50/p99, Cypher and CPU per request of each panel, at 1 and 16 clients.

    python -m bench.recs_bench --panels --store chinook           # starts the API on NEO4J_URI
    NEO4J_URI=bolt://127.0.0.1:7720 TUNEGRAPH_MODEL_DIR=... python -m bench.recs_bench --panels --store 1m-tracks
    python -m bench.recs_bench --panels --url http://127.0.0.1:8000 --store chinook-before   # a running API

Inputs are sampled from the store: customers with purchases (one token each, for
`viewer.recommendations`), and tracks they bought with their albums and artists (the seeds and the
pages the other panels sit on). The load generator is `bench.load` in its own process, closed loop:
each client sends its next request when the last is answered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.auth import issue_token
from api.ids import to_global
from bench.__main__ import Target, cpu_seconds, cypher_sent, run_job
from bench.report import Figures, figures, table
from graph.driver import Cypher, Graph
from recommend import store
from recommend.synthetic import random_model
from recommend.train import with_index
from settings import Settings

RECOMMENDATION = "score track { id title album { id title } } because { id title }"
PANELS = {
    "viewer.recommendations": f"{{ viewer {{ recommendations(first: 10) {{ {RECOMMENDATION} }} }} }}",
    "recommend(seeds:)": f"query($seeds: [ID!]!) {{ recommend(seeds: $seeds, first: 10) {{ {RECOMMENDATION} }} }}",
    "Track.alsoBought": "query($id: ID!) { node(id: $id) { ... on Track { alsoBought(first: 10) "
                        "{ id title album { id title } } } } }",
    "Artist.related": "query($id: ID!) { node(id: $id) { ... on Artist { related(first: 10) { id name } } } }",
}
SAMPLE = Cypher(
    "bench_panel_inputs",
    """
    MATCH (c:Customer)-[:MADE]->(:Purchase)-[:LINE]->(t:Track)-[:ON_ALBUM]->(a:Album)
    WITH c, t, a LIMIT $lines
    RETURN c.key AS customer, t.key AS track, a.key AS album,
           [(a)-[:BY]->(x:Artist) | x.key][0] AS artist
    """,
)


@dataclass
class Inputs:
    """Per panel: the variables of each request and the headers sent with them."""

    variables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    headers: dict[str, list[dict[str, str]]] = field(default_factory=dict)


async def sample(settings: Settings, count: int) -> Inputs:
    """Inputs for `count` requests per panel, read from the store the API serves."""
    graph = Graph.connect(settings)
    try:
        rows = await graph.read(SAMPLE, {"lines": count * 4})
    finally:
        await graph.close()
    customers = list(dict.fromkeys(r["customer"] for r in rows))[:count]
    tracks = list(dict.fromkeys(r["track"] for r in rows))[:count]
    artists = list(dict.fromkeys(r["artist"] for r in rows if r["artist"]))[:count]
    tokens = [issue_token(settings.jwt_secret, to_global("Customer", c), [], timedelta(hours=2)) for c in customers]
    track_ids = [to_global("Track", t) for t in tracks]
    inputs = Inputs()
    inputs.variables["viewer.recommendations"] = [{} for _ in tokens]
    inputs.headers["viewer.recommendations"] = [{"Authorization": f"Bearer {t}"} for t in tokens]
    inputs.variables["recommend(seeds:)"] = [{"seeds": track_ids[i : i + 1 + i % 2]} for i in range(len(track_ids))]
    inputs.variables["Track.alsoBought"] = [{"id": t} for t in track_ids]
    inputs.variables["Artist.related"] = [{"id": to_global("Artist", a)} for a in artists]
    return inputs


def measure(target: Target, panel: str, inputs: Inputs, clients: int, duration: float) -> Figures:
    """One panel at one concurrency: latencies from the load generator, Cypher from /metrics, CPU from /proc."""
    job = {"url": target.base + "/graphql", "query": PANELS[panel], "variables": inputs.variables[panel],
           "headers": inputs.headers.get(panel, []), "concurrency": clients, "duration": duration}
    pids = (target.server_pid, target.neo4j_pid)
    cypher_before, cpu_before = cypher_sent(target.base), [cpu_seconds(p) for p in pids]
    outcome = run_job(job)
    cypher = cypher_sent(target.base) - cypher_before
    cpu = [None if a is None or b is None else a - b for a, b in zip((cpu_seconds(p) for p in pids), cpu_before,
                                                                       strict=True)]
    return figures(panel, clients, outcome, cypher, server_cpu=cpu[0], neo4j_cpu=cpu[1])


def run(target: Target, settings: Settings, levels: list[int], duration: float, warmup: float,
        store: str | None, out: Path) -> Path:
    """Every panel at every level; writes bench/results/recs-panels-<store>-<time>.{json,md}."""
    inputs = asyncio.run(sample(settings, 200))
    rows: list[Figures] = []
    for panel in PANELS:
        if warmup > 0:
            measure(target, panel, inputs, 4, warmup)
        for level in levels:
            rows.append(measure(target, panel, inputs, level, duration))
            print(f"recs panels: {panel} @ {level}: p50 {rows[-1].p50_ms} ms, p99 {rows[-1].p99_ms} ms",
                  file=sys.stderr)
    meta = {"store": store, "when": datetime.now(UTC).isoformat(timespec="seconds"), "duration_s": duration,
            "cpus": os.cpu_count(), "neo4j_uri": settings.neo4j_uri, "model_dir": str(settings.model_dir),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "load_generator": "bench.load, closed loop, separate process", "samples": len(inputs.variables)}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"recs-panels-{store or 'store'}-{stamp}.json"
    path.write_text(json.dumps({"meta": meta, "results": [asdict(r) for r in rows]}, indent=2) + "\n")
    text = table(rows)
    path.with_suffix(".md").write_text(
        f"# Recommendation panels, {store}\n\n{text}\n\nload average (1, 5, 15 min) at the end: "
        f"{meta['load_average_at_end']}; {meta['cpus']} CPUs; {meta['when']}\n")
    print(text)
    return path


TRACK_KEYS = Cypher(
    "bench_track_keys",
    "MATCH (t:Track) WHERE t.key > $after WITH t ORDER BY t.key LIMIT $page RETURN collect(t.key) AS keys",
)


async def _track_keys(settings: Settings, page: int = 100_000) -> list[str]:
    graph = Graph.connect(settings)
    keys: list[str] = []
    try:
        while True:
            found = (await graph.read(TRACK_KEYS, {"after": keys[-1] if keys else "", "page": page}))[0]["keys"]
            keys += found
            if len(found) < page:
                return keys
    finally:
        await graph.close()


def random_store_model(settings: Settings, factors: int = 128) -> Path:
    """Save a random clustered model over every track of the store into its model directory.

    For latency at a size whose purchases are not (yet) there to train on: serving costs depend on
    the number of items and factors, not on what the factors learned.
    """
    keys = asyncio.run(_track_keys(settings))
    model = random_model(len(keys), n_users=10, factors=factors, seed=3, topics=1000, indexed=False)
    model = with_index(dataclasses.replace(model, item_ids=keys, metadata={"algorithm": "random over the store"}))
    return store.save(model, settings.model_dir)


def wait_ready(base: str, seconds: float = 600.0) -> None:
    """Until /readyz says the model is loaded (its artist space and sale index are built first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"recs panels: {base} was not ready within {seconds:.0f} s")
