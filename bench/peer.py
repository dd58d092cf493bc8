"""`python -m bench.peer` (`make bench-peer`): tunegraph beside the @neo4j/graphql peer, on the same Neo4j.

The peer lives outside the project, in ../shared/peer (an outside comparison, like the Last.fm data):
it is copied into the git-ignored .bench-peer/ and installed there with npm. Then the peer and a
tunegraph with as many workers are started on NEO4J_URI, the peer's harness (bench.mjs: answers
compared for every sampled key, then wrk A/B rounds) runs the album, artist and genre pages with
tunegraph's caches off (TUNEGRAPH_ALBUM_CACHE=0, TUNEGRAPH_RESPONSE_CACHE=0) and on (the defaults), and
the table goes to bench/results/peer-<time>.{md,json}. Everything started is stopped again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.__main__ import CACHES_OFF, RESULTS, _free_port, api_server
from settings import PROJECT_ROOT, Settings

PEER_SOURCE = PROJECT_ROOT.parent / "shared" / "peer"
PEER_COPY = PROJECT_ROOT / ".bench-peer"
PAGES = ("album", "artist", "genre")
CACHES = {"off": CACHES_OFF, "on": {}}
"""tunegraph's environment per cache mode: per request (the album copy and the response cache off), and the
defaults."""
MISSING = (
    "bench-peer: the @neo4j/graphql peer is not here: expected it in {source} (an outside comparison kept "
    "beside the project, like the Last.fm data; set PEER_DIR to use another copy). Nothing was run."
)


def install(source: Path, copy: Path) -> None:
    """The peer copied into `copy` (the project's git-ignored folder) and its packages installed there."""
    copy.mkdir(exist_ok=True)
    for item in source.iterdir():
        if item.name in ("node_modules", ".bench"):
            continue
        if item.is_dir():
            shutil.copytree(item, copy / item.name, dirs_exist_ok=True)
        else:
            shutil.copy2(item, copy / item.name)
    stamp = copy / "node_modules" / ".tunegraph-installed"
    if not stamp.exists() or stamp.read_text() != (copy / "package.json").read_text():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=copy, check=True)
        stamp.write_text((copy / "package.json").read_text())


@contextmanager
def peer_server(copy: Path, workers: int, neo4j_uri: str) -> Iterator[str]:
    """The peer (node:cluster, `workers` processes) on a free port; its GraphQL URL while it runs."""
    port = _free_port()
    env = {**os.environ, "PEER_PORT": str(port), "PEER_WORKERS": str(workers), "NEO4J_URI": neo4j_uri}
    proc = subprocess.Popen(["node", "server.mjs"], cwd=copy, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        _wait(url, proc)
        yield url
    finally:
        _stop(proc)


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"bench-peer: the peer exited with {proc.returncode} before it answered")
        try:
            if httpx.post(url, json={"query": "{ __typename }"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("bench-peer: the peer did not answer within two minutes")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and its workers with it."""
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def harness(
    copy: Path, page: str, tunegraph: str, peer: str, neo4j_uri: str, args: argparse.Namespace
) -> dict[str, Any]:
    """One run of the peer's harness on one page: answers compared, then wrk A/B rounds; its results JSON."""
    env = {**os.environ, "TUNEGRAPH_URL": tunegraph, "PEER_URL": peer, "NEO4J_URI": neo4j_uri}
    command = ["node", "bench.mjs", "--scenario", page, "--seconds", str(args.seconds), "--rounds",
               str(args.rounds), "--connections", str(args.connections), "--keys", str(args.keys)]
    subprocess.run(command, cwd=copy, env=env, check=True)
    found: dict[str, Any] = json.loads((copy / ".bench" / f"{page}.results.json").read_text())
    return found


def summary(found: dict[str, Any], page: str, cache: str) -> dict[str, Any]:
    """A row of the table: each side's medians over the rounds, errors, and whether the answers agreed."""
    row: dict[str, Any] = {"page": found.get("scenario", page), "cache": cache,
                           "differences": found.get("differences"), "rounds": found.get("rounds")}
    for side in ("tunegraph", "peer"):
        runs = found["results"][side]
        row[side] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "requests": sum(r["requests"] for r in runs),
        }
        if side == "tunegraph":
            row[side]["cypher_per_req"] = statistics.median(r.get("cypher_per_req") or 0.0 for r in runs)
    row["ratio"] = row["tunegraph"]["rps"] / row["peer"]["rps"] if row["peer"]["rps"] else None
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a markdown table."""
    out = ["| page | tunegraph caches | tunegraph req/s | p50 / p99 ms | cypher/req | peer req/s | p50 / p99 ms "
           "| ratio | errors (t / p) | answers differing |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        t, p = r["tunegraph"], r["peer"]
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] else "-"
        out.append(f"| {r['page']} | {r['cache']} | {t['rps']:.0f} | {t['p50_ms']:.1f} / {t['p99_ms']:.1f} | "
                   f"{t['cypher_per_req']:.2f} | {p['rps']:.0f} | {p['p50_ms']:.1f} / {p['p99_ms']:.1f} | {ratio} | "
                   f"{t['errors']} / {p['errors']} | {r['differences']} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run both sides on each page and cache mode; write bench/results/peer-<time>.{md,json}."""
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__)
    parser.add_argument("--workers", type=int, default=2, help="worker processes on each side")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds (the medians are reported)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--keys", type=int, default=200, help="albums/artists sampled from Neo4j")
    parser.add_argument("--pages", default=",".join(PAGES), help="pages, comma-separated (album,artist,genre)")
    parser.add_argument("--caches", default="off,on", help="tunegraph cache modes, comma-separated (off,on)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the table goes")
    args = parser.parse_args(argv)
    source = Path(os.environ.get("PEER_DIR") or PEER_SOURCE)
    if not (source / "server.mjs").is_file():
        print(MISSING.format(source=source), file=sys.stderr)
        return 2
    settings = Settings.from_env()
    install(source, PEER_COPY)
    rows: list[dict[str, Any]] = []
    with peer_server(PEER_COPY, args.workers, settings.neo4j_uri) as peer:
        for cache in args.caches.split(","):
            with api_server(settings, args.workers, CACHES[cache]) as target:
                for page in args.pages.split(","):
                    found = harness(PEER_COPY, page, target.base + "/graphql", peer, settings.neo4j_uri, args)
                    rows.append(summary(found, page, cache))
    meta = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "workers": args.workers,
            "connections": args.connections, "seconds": args.seconds, "rounds": args.rounds,
            "neo4j_uri": settings.neo4j_uri, "cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"peer-{stamp}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    load = tuple(round(x, 2) for x in meta["load_average_at_end"])
    text = (f"# tunegraph beside @neo4j/graphql ({meta['when']})\n\n{args.workers} workers each, "
            f"{args.connections} connections, {args.rounds} A/B rounds of {args.seconds} s (medians), same Neo4j "
            f"({settings.neo4j_uri}); load average at the end {load} on {meta['cpus']} CPUs.\n\n{table(rows)}\n")
    (args.out / f"peer-{stamp}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
