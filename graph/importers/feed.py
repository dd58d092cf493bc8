"""`tunegraph import feed FILE.jsonl`: a catalog feed, validated whole, then upserted in batches.

A file with any invalid line writes nothing (`FeedError` lists every problem). A valid file goes
through the one write path in batches of one transaction each, so an interrupted import leaves
every release whole or absent, and running it again finishes the job; the same file twice changes
nothing (content hashes).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from graph.driver import Graph
from graph.importers.feed_validation import parse_feed_file
from graph.importers.pipeline import write_releases
from graph.release import Release
from graph.schema import ensure_schema
from graph.upsert import UpsertSummary
from settings import Settings


async def load(graph: Graph, releases: Sequence[Release], quiet: bool = False) -> UpsertSummary:
    """Upsert validated feed releases in batches, each batch one transaction."""
    await ensure_schema(graph)
    return await write_releases(graph, releases, total=len(releases), quiet=quiet)


async def run(settings: Settings, path: Path, quiet: bool = False) -> str:
    """Validate the whole file, then import it; the summary says what changed and how fast."""
    started = time.perf_counter()
    releases = parse_feed_file(path)
    tracks = sum(len(r.tracks) for r in releases)
    graph = Graph.connect(settings)
    try:
        summary = await load(graph, releases, quiet=quiet)
    finally:
        await graph.close()
    seconds = time.perf_counter() - started
    return (
        f"feed {path.name}: {len(releases)} releases ({tracks} tracks) in {seconds:.1f} s, "
        f"{tracks / seconds:.0f} tracks/s: {summary}"
    )
