"""Recommender benchmark: training at scale, personal top-10 latency (exact vs ANN), ANN recall; panels.

    .venv/bin/python bench/recs_bench.py                      # 100k users x 1M items x 5M
    .venv/bin/python bench/recs_bench.py --items 100000 --users 20000 --interactions 1000000
    .venv/bin/python -m bench.recs_bench --panels --store chinook   # the API's panels under load

With `--panels` it loads the recommendation panels of the API instead (see `bench.recs_panels`).

Trains the production model on generated purchases (Zipf-popular items in genres, users who
favour a few genres), then times `recommend_for_items` for baskets of 20 items on that model
and on a random clustered model of the same size, exact and through the ANN index.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recommend import blas, store
from recommend.matrix import Interactions, from_arrays, read_tsv
from recommend.model import Model
from recommend.serve import recommend_for_items, similar_items
from recommend.synthetic import random_model
from recommend.train import TrainConfig, train, with_index

T = TypeVar("T")


def purchases(users: int, items: int, interactions: int, seed: int) -> Interactions:
    """Generated interactions: genre-clustered tastes over Zipf-distributed item popularity."""
    rng = np.random.default_rng(seed)
    genres = max(1, items // 1000)
    genre_of = rng.integers(0, genres, items)
    weight = 1.0 / np.arange(1, items + 1) ** 0.8
    rng.shuffle(weight)
    by_genre = np.argsort(genre_of, kind="stable")
    starts = np.searchsorted(genre_of[by_genre], np.arange(genres + 1))
    user_of = rng.integers(0, users, interactions)
    taste = rng.integers(0, genres, (users, 2))[user_of, rng.integers(0, 2, interactions)]
    in_genre = (rng.random(interactions) < 0.8) & (starts[taste + 1] > starts[taste])
    chosen = rng.choice(items, size=interactions, p=weight / weight.sum())
    offset = (rng.random(interactions) ** 2 * (starts[taste + 1] - starts[taste])).astype(int)
    chosen[in_genre] = by_genre[starts[taste] + offset][in_genre]
    return from_arrays(user_of, chosen, np.ones(interactions, dtype=np.float32),
                       [f"u{n}" for n in range(users)], [f"i{n}" for n in range(items)])


def latency(model: Model, baskets: list[list[str]], exact: bool) -> dict[str, float]:
    """p50/p99 milliseconds of one personal top-10: wall clock and this thread's CPU time.

    CPU time is reported too because on a shared machine the wall clock mostly measures
    waiting for a core.
    """
    wall, cpu = [], []
    for basket in baskets:
        started, started_cpu = time.perf_counter(), time.thread_time()
        recommend_for_items(model, basket, 10, exact=exact)
        wall.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    return {"p50_ms": _ms(wall, 50), "p99_ms": _ms(wall, 99),
            "cpu_p50_ms": _ms(cpu, 50), "cpu_p99_ms": _ms(cpu, 99)}


def _ms(seconds: list[float], percentile: int) -> float:
    return round(float(np.percentile(seconds, percentile)) * 1e3, 3)


def recall(model: Model, baskets: list[list[str]]) -> float:
    """Share of the exact personal top-10 that the ANN path also returns."""
    found = 0
    for basket in baskets:
        exact = {r.item_id for r in recommend_for_items(model, basket, 10, exact=True)}
        approximate = {r.item_id for r in recommend_for_items(model, basket, 10)}
        found += len(exact & approximate)
    return round(found / (10 * len(baskets)), 4)


def similar_recall(model: Model, items: list[str]) -> float:
    """Share of the exact similar-items top-10 that the ANN path also returns."""
    found = 0
    for item in items:
        exact = {r.item_id for r in similar_items(model, item, 10, exact=True)}
        found += len(exact & {r.item_id for r in similar_items(model, item, 10)})
    return round(found / (10 * len(items)), 4)


def baskets_of(data: Interactions | None, model: Model, count: int, seed: int) -> list[list[str]]:
    """Real users' items when there is interaction data, else random items."""
    rng = np.random.default_rng(seed)
    if data is None:
        return [[model.item_ids[i] for i in rng.choice(model.n_items, 20, replace=False)]
                for _ in range(count)]
    users = rng.choice(data.n_users, count, replace=False)
    return [[data.item_ids[i] for i in data.items_of(u)[:20]] for u in users]


def serve_report(name: str, model: Model, baskets: list[list[str]], rebuild: bool = True) -> dict[str, object]:
    """Latency exact vs ANN and ANN recall for one model (its index rebuilt with today's settings unless not to)."""
    report: dict[str, object] = {"model": name, "items": model.n_items, "factors": model.factors,
                                 "load_average": round(os.getloadavg()[0], 1)}
    if rebuild or model.index is None:
        model = with_index(model)
    report["ann_lists"] = model.index.n_lists if model.index else 0
    recommend_for_items(model, baskets[0], 10)  # warm caches
    report["exact"] = latency(model, baskets, exact=True)
    report["ann"] = latency(model, baskets, exact=False)
    report["ann_recall_at_10"] = recall(model, baskets[:100])
    report["similar_items_ann_recall_at_10"] = similar_recall(
        model, [basket[0] for basket in baskets[:100]])
    return report


def timed(label: str, action: Callable[[], T]) -> tuple[T, float]:
    """Run and print how long it took."""
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f}s (load average {os.getloadavg()[0]:.1f})", flush=True)
    return result, seconds


def trained(data: Interactions, model_dir: Path | None, reports: list[dict[str, object]]) -> Model:
    """The production model on the data: loaded from model_dir if saved there, else trained."""
    saved = store.load_latest(model_dir) if model_dir else None
    if saved is not None:
        return saved
    cpu_before = time.process_time()
    model, seconds = timed("train", lambda: train(data, TrainConfig()))
    cpu_seconds = time.process_time() - cpu_before
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    reports.append({"train_seconds": round(seconds, 1), "train_cpu_seconds": round(cpu_seconds, 1),
                    "peak_rss_gb": round(peak_gb, 2),
                    "users": data.n_users, "items": data.n_items,
                    "interactions": int(data.matrix.nnz),
                    "fit_seconds": model.metadata.get("train_seconds"),
                    "ann_seconds": model.metadata.get("ann_seconds"),
                    "config": {k: model.metadata["config"][k] for k in ("factors", "iterations", "cg_steps")},
                    "load_average": round(os.getloadavg()[0], 1)})
    if model_dir:
        store.save(model, model_dir)
    return model


def main() -> None:
    """Run the benchmark and print a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--skip-train", action="store_true", help="only the random models")
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="save the trained model here; reuse the latest one if present")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument("--real", type=Path, default=None,
                        help="also: ANN recall on a model trained on this interactions TSV")
    parser.add_argument("--saved", type=Path, default=None,
                        help="only: serve a saved model file (`tunegraph recs train`'s) as it is: size, load time, "
                        "latency and ANN recall")
    _panel_arguments(parser)
    args = parser.parse_args()
    if args.panels:
        panels(args)
        return
    blas.serve_single_threaded()  # as a server does (ModelHolder); training sets its own
    reports: list[dict[str, object]] = []
    if args.saved:
        reports.append(saved_report(args.saved, args.queries))
        _print(reports, args.out)
        return
    if not args.skip_train:
        data, _ = timed("generate", lambda: purchases(args.users, args.items,
                                                        args.interactions, 1))
        model = trained(data, args.model_dir, reports)
        reports.append(serve_report("trained", model, baskets_of(data, model, args.queries, 2)))
        del data, model
    if args.real:
        data = read_tsv(args.real)
        model = train(data)
        reports.append(serve_report(f"trained on {args.real.name}", model,
                                    baskets_of(data, model, min(args.queries, data.n_users), 5)))
    for items in (100_000, args.items):
        synthetic = random_model(items, n_users=10, factors=128, seed=3, topics=1000,
                                 indexed=False)
        baskets = baskets_of(None, synthetic, args.queries, 4)
        reports.append(serve_report(f"random clustered {items}", synthetic, baskets))
    _print(reports, args.out)


def saved_report(path: Path, queries: int) -> dict[str, object]:
    """A saved model served as the API loads it: file size, load time, then latency and recall on random baskets."""
    size = path.stat().st_size
    model, seconds = timed("load", lambda: store.load(path))
    report = serve_report(f"saved {path.name}", model, baskets_of(None, model, queries, 4), rebuild=False)
    return {**report, "file_gb": round(size / 1e9, 2), "load_seconds": round(seconds, 1),
            "users": len(model.user_ids)}


def _print(reports: list[dict[str, object]], out: Path | None) -> None:
    text = json.dumps(reports, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n")


def _panel_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--panels", action="store_true", help="load the API's recommendation panels instead")
    parser.add_argument("--url", help="with --panels: a running API's base URL (else one is started)")
    parser.add_argument("--store", help="with --panels: the store's name in the report")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="with --panels: API processes")
    parser.add_argument("--clients", default="1,16", help="with --panels: concurrency levels")
    parser.add_argument("--duration", type=float, default=10.0, help="with --panels: seconds per level")
    parser.add_argument("--warmup", type=float, default=3.0, help="with --panels: unmeasured seconds per panel")
    parser.add_argument("--caches-off", action="store_true",
                        help="with --panels: the response and panel caches off (what each panel costs when not held)")
    parser.add_argument("--random-model", action="store_true",
                        help="with --panels: first save a random model over the store's tracks (no purchases needed)")


def panels(args: argparse.Namespace) -> None:
    """Load each panel of a running (or started) API; the report goes to bench/results/."""
    from bench.__main__ import CACHES_OFF, RESULTS, Target, api_server
    from bench.recs_panels import run, wait_ready
    from settings import Settings

    settings = Settings.from_env()
    levels = [int(c) for c in args.clients.split(",")]
    if args.random_model:
        from bench.recs_panels import random_store_model

        print(f"recs panels: saved {random_store_model(settings)}", file=sys.stderr)
    with contextlib.ExitStack() as stack:
        extra = {**CACHES_OFF, "TUNEGRAPH_PANEL_CACHE": "0"} if args.caches_off else None
        target = (Target(args.url.rstrip("/")) if args.url
                  else stack.enter_context(api_server(settings, args.workers, extra)))
        wait_ready(target.base)
        store = f"{args.store}-caches-off" if args.caches_off and args.store else args.store
        run(target, settings, levels, args.duration, args.warmup, store, RESULTS)


if __name__ == "__main__":
    main()
