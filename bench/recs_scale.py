"""Recommendations at catalog scale: a synthetic model of N items (10M by default), served by ANN.

    .venv/bin/python -m bench.recs_scale                     # 10M items x 128 factors (about 27 GB)
    .venv/bin/python -m bench.recs_scale --items 2000000 --out bench/results/recs-scale-2m.json

Reports the ANN index build time, personal top-10 p50/p99 (exact and ANN), ANN recall@10 against
exact, the model file's size and load time, and peak memory. Factors are generated in chunks
(clustered like trained ALS factors: see `recommend.synthetic`), so the peak is the model itself
plus the copies the index build makes (directions, clustered order: about five in all, 6.7 GB
measured at 3M items). It refuses to start where memory is short.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.recs_bench import baskets_of, latency, recall
from recommend import blas, store
from recommend.model import Model
from recommend.synthetic import random_factors
from recommend.train import with_index
from recommend.weighting import Bm25

CHUNK = 1_000_000
BYTES_PER_ITEM_ID = 160
"""A Python str id, its dict entry in the model's index and its copy in the saved array."""


def available_bytes() -> int:
    """Memory the kernel says is available now (Linux's MemAvailable)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("recs_scale: /proc/meminfo has no MemAvailable")


def needed_bytes(items: int, factors: int) -> int:
    """Memory the run needs at its peak: five copies of the factors while indexing, and the ids."""
    return items * (5 * factors * 4 + BYTES_PER_ITEM_ID)


def synthetic(items: int, factors: int, seed: int) -> Model:
    """A model of `items` clustered random item vectors, built chunk by chunk."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((1000, factors)).astype(np.float32)
    vectors = np.empty((items, factors), dtype=np.float32)
    for start in range(0, items, CHUNK):
        vectors[start:start + CHUNK] = random_factors(min(CHUNK, items - start), factors, rng, topics)
    return Model(
        item_ids=[f"i{n}" for n in range(items)], user_ids=["u0"], item_factors=vectors,
        user_factors=random_factors(1, factors, rng, topics),
        popularity=rng.integers(1, 1000, items).astype(np.float32),
        weighting=Bm25(idf=np.ones(items, dtype=np.float32), average_length=10.0, k1=1.2, b=0.75, binarize=True),
        regularization=1.0, alpha=1.0, index=None, metadata={"algorithm": "random", "seed": seed},
    )


def measure(items: int, factors: int, queries: int) -> dict[str, object]:
    """Build, index, query, save and load one synthetic model; the figures."""
    report: dict[str, object] = {"items": items, "factors": factors, "cpus": os.cpu_count(),
                                 "load_average_start": round(os.getloadavg()[0], 1)}
    started = time.perf_counter()
    model = synthetic(items, factors, seed=3)
    report["generate_seconds"] = round(time.perf_counter() - started, 1)
    started, cpu = time.perf_counter(), time.process_time()
    model = with_index(model)
    report["index_seconds"] = round(time.perf_counter() - started, 1)
    report["index_cpu_seconds"] = round(time.process_time() - cpu, 1)
    report["ann_lists"] = model.index.n_lists if model.index else 0
    blas.serve_single_threaded()  # as a serving process is
    baskets = baskets_of(None, model, queries, 4)
    report["ann"] = latency(model, baskets, exact=False)
    report["exact"] = latency(model, baskets[:20], exact=True)
    report["ann_recall_at_10"] = recall(model, baskets[:50])
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as folder:
        path = store.save(model, folder)
        report["file_gb"] = round(path.stat().st_size / 2**30, 2)
        del model
        started = time.perf_counter()
        loaded = store.load(path)
        report["load_seconds"] = round(time.perf_counter() - started, 1)
        report["loaded_items"] = loaded.n_items
    report["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
    report["load_average_end"] = round(os.getloadavg()[0], 1)
    return report


def main() -> None:
    """Run the benchmark and print (and optionally write) a JSON report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--factors", type=int, default=128)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    needed, available = needed_bytes(args.items, args.factors), available_bytes()
    if needed > available:
        raise SystemExit(f"recs_scale: {args.items} items x {args.factors} factors need about "
                         f"{needed / 2**30:.1f} GB, {available / 2**30:.1f} GB is available")
    text = json.dumps(measure(args.items, args.factors, args.queries), indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
