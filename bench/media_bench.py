"""Media delivery timings: the first encode of a long master in each format, and cached download throughput.

`python -m bench.media_bench [--seconds 240] [--downloads 10]`. The encode timings need nothing else; the
throughput serves the API (python server.py, in a subprocess) against NEO4J_URI, which must hold a store
with purchases (Chinook), and fetches one owned track through a signed link, many times, once cached.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from delivery.encoder import encode
from delivery.formats import ENCODINGS
from delivery.masters import masters_for
from delivery.signing import Grant, sign, signing_key
from delivery.synth import write_master
from graph.driver import Cypher, Graph
from settings import Settings

OWNED = Cypher(
    "bench_owned_line",
    "MATCH (c:Customer)-[:MADE]->(:Purchase)-[l:LINE]->(t:Track) WHERE l.format IN $formats "
    "RETURN c.key AS customer, t.key AS track, l.format AS format ORDER BY c.key, t.key LIMIT 1",
)
MB = 1024 * 1024


def encode_timings(seconds: float, work: Path) -> None:
    """Print the time of one encode per format from a `seconds`-long master."""
    master = work / "bench-master.flac"
    write_master("bench", master, seconds)
    print(f"master: {seconds:.0f} s, {master.stat().st_size / MB:.1f} MB FLAC 16/44.1")
    for encoding in ENCODINGS.values():
        out = work / f"bench.{encoding.name}.{encoding.extension}"
        started, cpu = time.perf_counter(), time.thread_time()
        encode(master, encoding, out)
        print(f"  {encoding.name:<11} first encode {time.perf_counter() - started:6.2f} s "
              f"({time.thread_time() - cpu:6.2f} s of CPU), {out.stat().st_size / MB:6.1f} MB")


async def _owned(settings: Settings) -> tuple[str, str, str]:
    graph = Graph.connect(settings)
    try:
        rows = await graph.read(OWNED, {"formats": list(ENCODINGS)})
    finally:
        await graph.close()
    if not rows:
        raise SystemExit("no purchase of an audio format in the graph: import Chinook first")
    return rows[0]["customer"], rows[0]["track"], rows[0]["format"]


def _serve(settings: Settings, media: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TUNEGRAPH_MEDIA_DIR": str(media), "TUNEGRAPH_PORT": str(port), "TUNEGRAPH_RATE_LIMIT": "0"}
    server = subprocess.Popen([sys.executable, "server.py"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def throughput(settings: Settings, seconds: float, downloads: int, work: Path, port: int) -> None:
    """Print the first (encoding) and the cached download rates of one owned track."""
    customer, track, fmt = asyncio.run(_owned(settings))
    media = work / "media"
    masters = masters_for(media, None)
    masters.root.mkdir(parents=True, exist_ok=True)
    write_master(track, masters.path_of(track), seconds)
    key = signing_key(settings.media_secret or settings.jwt_secret)
    url = f"http://127.0.0.1:{port}/media/download/{sign(key, Grant(customer, track, fmt, int(time.time()) + 3600))}"
    server = _serve(settings, media, port)
    try:
        with httpx.Client(timeout=600) as client:
            started = time.perf_counter()
            size = len(client.get(url).raise_for_status().content)
            print(f"download of track {track} in {fmt} ({size / MB:.1f} MB): first (encoding) "
                  f"{time.perf_counter() - started:.2f} s")
            started = time.perf_counter()
            for _ in range(downloads):
                client.get(url).raise_for_status()
            elapsed = time.perf_counter() - started
            print(f"  cached: {downloads} downloads in {elapsed:.2f} s = {downloads * size / MB / elapsed:.0f} MB/s")
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    """Run both measurements."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=240.0, help="master length (default 240)")
    parser.add_argument("--downloads", type=int, default=10, help="cached downloads to time (default 10)")
    parser.add_argument("--port", type=int, default=8765, help="port of the served API (default 8765)")
    parser.add_argument("--skip-encodes", action="store_true", help="only the download throughput")
    parser.add_argument("--skip-downloads", action="store_true", help="only the encode timings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_encodes:
            encode_timings(args.seconds, Path(tmp))
        if not args.skip_downloads:
            throughput(Settings.from_env(), args.seconds, args.downloads, Path(tmp), args.port)


if __name__ == "__main__":
    main()
