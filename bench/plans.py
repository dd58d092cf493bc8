"""`python -m bench.plans`: PROFILE every Cypher statement the canonical queries send, with their db hits.

The scenarios' variables are sampled as `python -m bench` samples them (from an API process of
its own); then each request runs in process over a Graph that records what it sends, and every
recorded statement is run again under PROFILE with the same parameters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.__main__ import api_server
from bench.queries import Scenario, scenarios
from graph.driver import Cypher, Graph, native
from server import create_app
from settings import Settings

# Operators that read a whole label, relationship type or index where a seek could serve.
SCANS = {"AllNodesScan", "NodeByLabelScan", "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
         "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan", "NodeIndexScan"}


class RecordingGraph(Graph):
    """The app's Graph, also remembering every read it sends (for PROFILE afterwards)."""

    def __init__(self, inner: Graph) -> None:
        super().__init__(inner.driver, inner.database)
        self.sent: list[tuple[Cypher, dict[str, Any]]] = []

    async def read(
        self, query: Cypher, params: Mapping[str, Any] | None = None, convert: Callable[[Any], Any] = native
    ) -> list[dict[str, Any]]:
        """Rows of a read query, remembered with its parameters."""
        self.sent.append((query, dict(params or {})))
        return await super().read(query, params, convert)


@dataclass
class Profiled:
    """One statement of one request under PROFILE."""

    scenario: str
    statement: str
    db_hits: int
    rows: int
    ms: float
    scans: list[str]
    request: int = 0  # which request of its scenario sent it (0, 1, ...)


def _operators(plan: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield plan
    for child in plan.get("children", []):
        yield from _operators(child)


def _name(op: Mapping[str, Any]) -> str:
    return str(op["operatorType"]).split("@")[0]


async def profile(graph: Graph, scenario: str, query: Cypher, params: dict[str, Any]) -> Profiled:
    """Run one statement under PROFILE: its db hits, rows, wall time and scanning operators."""
    async with graph.driver.session(database=graph.database) as session:
        started = time.perf_counter()
        result = await session.run("PROFILE " + query.text, params)
        rows = len([r async for r in result])
        summary = await result.consume()
        ms = (time.perf_counter() - started) * 1000
    assert summary.profile is not None
    ops = list(_operators(summary.profile))
    scans = sorted({f"{_name(op)} {op.get('args', {}).get('Details', '')}"[:120] for op in ops if _name(op) in SCANS})
    hits = sum(int(op.get("dbHits", 0)) for op in ops)
    return Profiled(scenario, query.name, hits, rows, round(ms, 1), scans)


async def _requests(settings: Settings, chosen: list[Scenario], per_scenario: int) -> list[Profiled]:
    app = create_app(settings)
    out: list[Profiled] = []
    async with app.router.lifespan_context(app):
        services = app.state.services
        recording = RecordingGraph(services.graph)
        services.graph = recording
        # What a request costs when nothing is held: the album page copy is left out.
        services.album_cache = None
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.plans") as client:
            for scenario in chosen:
                for request, variables in enumerate(scenario.variables[:per_scenario]):
                    recording.sent.clear()
                    sent = {"query": scenario.query, "variables": variables}
                    body = (await client.post("/graphql", json=sent)).json()
                    if body.get("errors"):
                        print(f"plans: {scenario.name}: {body['errors'][0].get('message')}", file=sys.stderr)
                    for query, params in list(recording.sent):
                        profiled = await profile(recording, scenario.name, query, params)
                        profiled.request = request
                        out.append(profiled)
    return out


def table(rows: list[Profiled]) -> str:
    """Median and max db hits and time per scenario and statement, and any scans seen."""
    groups: dict[tuple[str, str], list[Profiled]] = {}
    for r in rows:
        groups.setdefault((r.scenario, r.statement), []).append(r)
    lines = ["| scenario | statement | runs | db hits p50 | db hits max | ms p50 | ms max | scans |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for (scenario, statement), group in groups.items():
        hits, ms = [g.db_hits for g in group], [g.ms for g in group]
        scans = sorted({s for g in group for s in g.scans})
        lines.append(f"| {scenario} | {statement} | {len(group)} | {statistics.median(hits):g} | {max(hits)} | "
                     f"{statistics.median(ms):g} | {max(ms)} | {'; '.join(scans) or '-'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Sample the scenarios, PROFILE what each request sends, print the table (and write JSON if asked)."""
    parser = argparse.ArgumentParser(prog="python -m bench.plans", description=__doc__)
    parser.add_argument("--per-scenario", type=int, default=5, help="variable sets profiled per scenario")
    parser.add_argument("--only", help="profile only the scenarios whose name contains this")
    parser.add_argument("--json", type=Path, help="also write every profiled statement here")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    with api_server(settings, 1) as target:
        chosen = [s for s in scenarios(target.base) if not args.only or args.only in s.name]
    for s in chosen:
        if s.setup_error:
            print(f"plans: {s.name}: {s.setup_error}", file=sys.stderr)
    rows = asyncio.run(_requests(settings, chosen, args.per_scenario))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
