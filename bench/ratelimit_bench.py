"""Rate-limit bench: microseconds per charge in each bucket store.

    .venv/bin/python -m bench.ratelimit_bench                 # memory and the shared file
    .venv/bin/python -m bench.ratelimit_bench --redis redis://127.0.0.1:6379/0

The shared file is measured with one process and with `--processes` processes charging it at once
(the workers of one host); each line reports the median and the 99th percentile of its charges.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from api.buckets import MemoryBuckets, SharedBuckets
from api.redis_buckets import RedisBuckets

BIG = 10**12  # a budget no charge exhausts: every charge takes the granting path


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_us": round(statistics.median(ordered) * 1e6, 1),
            "p99_us": round(ordered[int(len(ordered) * 0.99)] * 1e6, 1)}


def _timed(charge: Callable[[str], object], charges: int, callers: int) -> list[float]:
    samples = []
    for i in range(charges):
        started = time.perf_counter()
        charge(f"caller-{i % callers}")
        samples.append(time.perf_counter() - started)
    return samples


def _shared_worker(path: str, charges: int, callers: int) -> list[float]:
    buckets = SharedBuckets(Path(path))
    return _timed(lambda key: buckets.take(key, 1, BIG, time.time()), charges, callers)


async def _redis(url: str, charges: int, callers: int) -> list[float]:
    buckets = RedisBuckets(url)
    samples = []
    try:
        for i in range(charges):
            started = time.perf_counter()
            await buckets.take(f"caller-{i % callers}", 1, BIG)
            samples.append(time.perf_counter() - started)
    finally:
        await buckets.close()
    return samples


def main() -> None:
    """Print the cost per charge of each store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charges", type=int, default=20_000)
    parser.add_argument("--callers", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--redis", help="a Redis URL to measure too")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    memory = MemoryBuckets()
    print("memory", _summary(_timed(lambda key: memory.take(key, 1, BIG, time.time()), args.charges, args.callers)))
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "ratelimit.buckets")
        print("shared file, 1 process", _summary(_shared_worker(path, args.charges, args.callers)))
        with ProcessPoolExecutor(args.processes) as pool:
            runs = pool.map(_shared_worker, [path] * args.processes, [args.charges] * args.processes,
                            [args.callers] * args.processes)
            print(f"shared file, {args.processes} processes at once", _summary([s for run in runs for s in run]))
    if args.redis:
        print("redis", _summary(asyncio.run(_redis(args.redis, args.charges, args.callers))))


if __name__ == "__main__":
    main()
