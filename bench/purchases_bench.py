"""Purchases per second and latency percentiles through the GraphQL API at N concurrent clients.

Runs the ASGI app in-process against NEO4J_URI (Chinook imported), with throw-away customers
whose purchases are deleted afterwards (popularity counters restored).

    NEO4J_URI=bolt://127.0.0.1:7693 .venv/bin/python -m bench.purchases_bench --clients 16 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import warnings

import httpx

from graph.driver import Graph
from server import create_app
from settings import Settings
from tests.store_support import Fixtures, bearer, gid, token

BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) {
  __typename ... on Purchase { id total { amount } } ... on PurchaseRejected { code message } } }"""


async def client(http: httpx.AsyncClient, headers: dict[str, str], until: float, name: str,
                 latencies: list[float], rng: random.Random) -> None:
    """Buy one random Chinook MP3 track after another until the deadline."""
    n = 0
    while time.perf_counter() < until:
        track = rng.randint(1, 3400)
        variables = {"input": {"items": [{"id": gid("Track", str(track)), "format": "MP3_320"}],
                               "territory": "GB", "idempotencyKey": f"{name}-{n}"}}
        started = time.perf_counter()
        response = await http.post("/graphql", json={"query": BUY, "variables": variables}, headers=headers)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        n += 1


async def run(clients: int, seconds: float) -> None:
    """Drive the API and print throughput and latency percentiles."""
    warnings.simplefilter("ignore")
    settings = Settings.from_env()
    graph = Graph.connect(settings)
    made = Fixtures(graph)
    app = create_app(settings)
    latencies: list[float] = []
    try:
        keys = [await made.customer("GB") for _ in range(clients)]
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as http:
                until = time.perf_counter() + seconds
                started = time.perf_counter()
                await asyncio.gather(*(
                    client(http, bearer(token(settings.jwt_secret, gid("Customer", k), "purchases:write")),
                           until, k, latencies, random.Random(i))
                    for i, k in enumerate(keys)
                ))
                elapsed = time.perf_counter() - started
    finally:
        await made.cleanup()
        await graph.close()
    ordered = sorted(latencies)

    def p(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    print(f"{len(ordered)} purchases by {clients} clients in {elapsed:.1f} s: {len(ordered) / elapsed:.1f}/s; "
          f"latency ms p50 {p(0.50):.1f} p95 {p(0.95):.1f} p99 {p(0.99):.1f} max {ordered[-1] * 1000:.1f} "
          f"mean {statistics.fmean(ordered) * 1000:.1f}")


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(run(args.clients, args.seconds))


if __name__ == "__main__":
    main()
