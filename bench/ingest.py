"""`python -m bench.ingest`: import throughput (synthetic stores and catalog feeds) and the daily delivery.

Run it against a Neo4j of its own (it writes millions of nodes): NEO4J_URI picks it. For each
size it imports a generated store (catalog, customers, purchase history) and, separately, a
generated catalog as a feed file; then it delivers 30 new albums as a feed into the store built
so far and checks they are in `newReleases` at once. Figures go to bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api.ids import to_global
from bench.footprint import neo4j_pid, own_peak_rss_mb, peak_rss_mb
from graph.driver import Graph
from graph.importers import feed, synthetic
from graph.importers.feed_validation import parse_feed_file
from graph.importers.feed_writer import write_feed
from graph.importers.synthetic_data import generate
from graph.release import WORLDWIDE, Release, Rights
from graph.slug import slugify
from server import create_app
from settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "ingest.json"
DAILY_ALBUMS = 30
DAILY_LIMIT_SECONDS = 5.0
NEW_RELEASES = """
query($genre: ID!) { newReleases(genre: $genre, first: 100) { edges { node { upc } } } }
"""


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _neo4j_cpu(settings: Settings) -> float | None:
    """CPU seconds of the local Neo4j so far (its pid file under the data folder), if it runs here."""
    try:
        fields = Path(f"/proc/{neo4j_pid(settings)}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Cpu:
    """CPU seconds spent by this process and by the local Neo4j since it was made."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = time.process_time()
        self.neo4j = _neo4j_cpu(settings)

    def spent(self) -> dict[str, float | None]:
        """{"clientCpuSeconds", "neo4jCpuSeconds"} so far (Neo4j's None when it is not local)."""
        now = _neo4j_cpu(self.settings)
        neo4j = None if now is None or self.neo4j is None else round(now - self.neo4j, 1)
        return {"clientCpuSeconds": round(time.process_time() - self.client, 1), "neo4jCpuSeconds": neo4j}


async def synthetic_run(settings: Settings, tracks: int, seed: int) -> dict[str, Any]:
    """Import a generated store of `tracks` tracks; its throughput figures."""
    started = time.perf_counter()
    cpu = _Cpu(settings)
    store = generate(tracks, seed)
    generated = time.perf_counter() - started
    graph = Graph.connect(settings)
    try:
        report = await synthetic.load(graph, store, quiet=True)
    finally:
        await graph.close()
    return {
        "tracks": tracks, "seed": seed, "releases": store.release_count, "customers": report.customers,
        "purchases": report.purchases, "purchasedTracks": report.lines,
        "generateSeconds": round(generated, 1), "catalogSeconds": round(report.catalog_seconds, 1),
        "customerSeconds": round(report.customer_seconds, 1),
        "purchaseSeconds": round(report.purchase_seconds, 1),
        "tracksPerSecond": round(tracks / report.catalog_seconds),
        "popularitySeconds": round(report.popularity_seconds, 1),
        "purchasesPerSecond": round(report.purchases / report.purchase_seconds),
        "purchasedTracksPerSecond": round(report.lines / report.purchase_seconds),
        "totalSeconds": round(time.perf_counter() - started, 1), **cpu.spent(), "loadAverage": _load(),
        "importerPeakRssMB": own_peak_rss_mb(), "neo4jPeakRssMB": peak_rss_mb(neo4j_pid(settings)),
    }


async def feed_run(settings: Settings, tracks: int, seed: int, folder: Path) -> dict[str, Any]:
    """Import a generated catalog of `tracks` tracks as a feed file; its throughput figures."""
    path = folder / f"feed-{tracks}.jsonl"
    releases = generate(tracks, seed, customers=1, lines=0).write_feed(path)
    started = time.perf_counter()
    cpu = _Cpu(settings)
    parsed = parse_feed_file(path)
    parse_seconds = time.perf_counter() - started
    graph = Graph.connect(settings)
    try:
        summary = await feed.load(graph, parsed, quiet=True)
    finally:
        await graph.close()
    seconds = time.perf_counter() - started
    return {
        "tracks": tracks, "seed": seed, "releases": releases, "summary": str(summary),
        "parseSeconds": round(parse_seconds, 1), "seconds": round(seconds, 1),
        "tracksPerSecond": round(tracks / seconds), **cpu.spent(), "loadAverage": _load(),
    }


def daily_releases(seed: int) -> list[Release]:
    """30 albums released today, worldwide, in a genre of their own."""
    today = datetime.now(UTC).date()
    store = generate(DAILY_ALBUMS * 20, seed, customers=1, lines=0)
    genre = f"Daily Delivery {seed}"
    albums = [r for r in store.iter_releases() if r.type == "ALBUM"][:DAILY_ALBUMS]
    rights = Rights(territories=(WORLDWIDE,), royalty_rate=albums[0].rights.royalty_rate, start=today)
    return [
        dataclasses.replace(
            r, release_date=today, genres=(genre,), rights=rights,
            tracks=tuple(dataclasses.replace(t, genre=genre) for t in r.tracks),
        )
        for r in albums
    ]


async def daily_run(settings: Settings, seed: int, folder: Path) -> dict[str, Any]:
    """Deliver 30 new albums as a feed; seconds until written, and whether newReleases shows them."""
    releases = daily_releases(seed)
    path = folder / "daily.jsonl"
    write_feed(releases, path)
    started = time.perf_counter()
    summary = await feed.run(settings, path, quiet=True)
    seconds = time.perf_counter() - started
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            genre = to_global("Genre", slugify(f"Daily Delivery {seed}"))
            body = (await client.post("/graphql", json={"query": NEW_RELEASES, "variables": {"genre": genre}})).json()
    listed = {e["node"]["upc"] for e in (body.get("data") or {}).get("newReleases", {}).get("edges", [])}
    return {
        "albums": len(releases), "tracks": sum(len(r.tracks) for r in releases), "summary": summary,
        "seconds": round(seconds, 2), "limitSeconds": DAILY_LIMIT_SECONDS,
        "withinLimit": seconds < DAILY_LIMIT_SECONDS,
        "visibleInNewReleases": listed >= {r.upc for r in releases}, "errors": body.get("errors"),
    }


def _save(result: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Every run the arguments ask for, in order: synthetic and feed per size, then the daily delivery.

    The results file is rewritten after each run, so a long benchmark leaves its figures so far.
    """
    settings = Settings.from_env()
    result: dict[str, Any] = {
        "neo4j": settings.neo4j_uri, "cpus": os.cpu_count(), "python": platform.python_version(),
        "startedAt": datetime.now(UTC).isoformat(timespec="seconds"), "loadAverageAtStart": _load(),
        "synthetic": [], "feed": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for i, size in enumerate(args.sizes):
            result["synthetic"].append(await synthetic_run(settings, size, args.seed + i))
            print(json.dumps(result["synthetic"][-1]), flush=True)
            _save(result, args.out)
            if size in args.feed_sizes:
                result["feed"].append(await feed_run(settings, size, args.seed + 100 + i, Path(tmp)))
                print(json.dumps(result["feed"][-1]), flush=True)
                _save(result, args.out)
        if not args.no_daily:
            result["daily"] = await daily_run(settings, args.seed + 200, Path(tmp))
            print(json.dumps(result["daily"]), flush=True)
    return result


def _sizes(raw: str) -> list[int]:
    return [int(x) for x in raw.split(",") if x]


def cli() -> None:
    """Parse arguments, run, write the results file."""
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000, 1_000_000], help="synthetic stores, tracks")
    parser.add_argument("--feed-sizes", type=_sizes, default=[10_000, 100_000], help="feed files, tracks")
    parser.add_argument("--seed", type=int, default=7_000, help="first seed (each run uses its own)")
    parser.add_argument("--no-daily", action="store_true", help="skip the daily delivery")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (JSON)")
    args = parser.parse_args()
    _save(asyncio.run(main(args)), args.out)
    print(f"written to {args.out}")


if __name__ == "__main__":
    cli()
