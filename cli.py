"""The `tunegraph` command line: db, import, recs, serve, webhooks, changes."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from settings import PROJECT_ROOT, Settings

CHINOOK_SQLITE = PROJECT_ROOT / "data" / "chinook" / "Chinook_Sqlite.sqlite"


class CommandError(Exception):
    """A failure to report on stderr with a non-zero exit."""


def _db(args: argparse.Namespace, settings: Settings) -> None:
    from graph import localdb

    action: Callable[[Settings], str] = {
        "start": localdb.start,
        "stop": localdb.stop,
        "status": localdb.status,
    }[args.action]
    print(action(settings))


def _import_chinook(args: argparse.Namespace, settings: Settings) -> None:
    from graph.importers import chinook

    print(asyncio.run(chinook.run(settings, Path(args.sqlite), if_empty=args.if_empty)))


def _import_feed(args: argparse.Namespace, settings: Settings) -> None:
    from graph.importers import feed

    print(asyncio.run(feed.run(settings, Path(args.file))))


def _import_synthetic(args: argparse.Namespace, settings: Settings) -> None:
    from graph.importers import synthetic

    print(asyncio.run(synthetic.run(settings, tracks=args.tracks, seed=args.seed)))


def _recs_train(args: argparse.Namespace, settings: Settings) -> None:
    from recommend import store
    from recommend.matrix import from_triples
    from recommend.train import train

    existing = store.latest_version(settings.model_dir)
    if args.if_missing and existing is not None:
        print(f"model version {existing} exists in {settings.model_dir}; not training (--if-missing)")
        return
    started = time.perf_counter()
    triples = asyncio.run(_recs_purchases(settings))
    if not triples:
        raise CommandError("the graph has no purchases to train on (import a store first, "
                           "e.g. `tunegraph import chinook`)")
    interactions = from_triples(triples)
    path = store.save(train(interactions), settings.model_dir)
    print(f"trained on {interactions.n_users} users, {interactions.n_items} items, "
          f"{interactions.matrix.nnz} interactions in {time.perf_counter() - started:.1f}s; "
          f"saved {path}")


async def _recs_purchases(settings: Settings) -> list[tuple[str, str, float]]:
    """Every (customer, track, units) of the graph, with a progress bar on a terminal."""
    from tqdm import tqdm

    from graph.driver import Graph
    from graph.interactions import purchase_triples

    graph = Graph.connect(settings)
    try:
        with tqdm(desc="reading purchases", unit=" pairs", disable=None, file=sys.stderr) as bar:
            triples = []
            async for triple in purchase_triples(graph):
                triples.append(triple)
                bar.update()
            return triples
    finally:
        await graph.close()


def _recs_offline(args: argparse.Namespace, settings: Settings) -> None:
    from recommend import offline

    print(offline.run_offline(Path(args.train), k=args.k, out=Path(args.out)))


def _recs_evaluate(args: argparse.Namespace, settings: Settings) -> None:
    from recommend import evaluate

    print(
        evaluate.run_evaluate(
            Path(args.interactions),
            holdout=args.holdout,
            min_items=args.min_items,
            seed=args.seed,
        )
    )


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import server

    server.serve(settings)


def _webhooks_run(args: argparse.Namespace, settings: Settings) -> None:
    from webhooks import process

    asyncio.run(process.run(settings, every=args.every))


def _changes_prune(args: argparse.Namespace, settings: Settings) -> None:
    from webhooks import process

    print(asyncio.run(process.prune(settings)))


def _positive(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {raw}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="tunegraph", description=__doc__)
    groups = parser.add_subparsers(dest="group", required=True)

    db = groups.add_parser("db", help="the local Neo4j server (the embedded default)")
    db_actions = db.add_subparsers(dest="action", required=True)
    for name, text in (("start", "start it and wait for Bolt"), ("stop", "shut it down cleanly"),
                       ("status", "whether it runs, where, and its data folder")):
        db_actions.add_parser(name, help=text).set_defaults(func=_db)

    imp = groups.add_parser("import", help="load data into the graph")
    sources = imp.add_subparsers(dest="source", required=True)
    chinook = sources.add_parser("chinook", help="the bundled Chinook music store")
    chinook.add_argument("sqlite", nargs="?", default=str(CHINOOK_SQLITE), help="Chinook SQLite file")
    chinook.add_argument("--if-empty", action="store_true", help="only when the graph has no albums")
    chinook.set_defaults(func=_import_chinook)
    feed = sources.add_parser("feed", help="a catalog feed (JSON Lines); idempotent")
    feed.add_argument("file", help="FILE.jsonl")
    feed.set_defaults(func=_import_feed)
    synth = sources.add_parser("synthetic", help="a generated store, for scale")
    synth.add_argument("--tracks", type=_positive, required=True, help="number of tracks")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.set_defaults(func=_import_synthetic)

    recs = groups.add_parser("recs", help="the recommender")
    recs_actions = recs.add_subparsers(dest="action", required=True)
    train = recs_actions.add_parser("train", help="train on the purchases in the graph")
    train.add_argument("--if-missing", action="store_true", help="only when no model exists yet")
    train.set_defaults(func=_recs_train)
    off = recs_actions.add_parser("offline", help="top-K per user from an interactions file")
    off.add_argument("--train", required=True, help="interactions TSV: user, item[, weight]")
    off.add_argument("--k", type=_positive, default=10, help="items per user (default 10)")
    off.add_argument("--out", required=True, help="output TSV: user, item, rank, score")
    off.set_defaults(func=_recs_offline)
    ev = recs_actions.add_parser("evaluate", help="held-out ranking metrics and baselines")
    ev.add_argument("--interactions", required=True, help="interactions TSV: user, item[, weight]")
    ev.add_argument("--holdout", type=float, default=0.2, help="share held out per user (0.2)")
    ev.add_argument("--min-items", type=_positive, default=5, help="users with at least N items")
    ev.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ev.set_defaults(func=_recs_evaluate)

    groups.add_parser("serve", help="the GraphQL API (same as python server.py)").set_defaults(
        func=_serve)

    hooks = groups.add_parser("webhooks", help="partner webhooks")
    hook_actions = hooks.add_subparsers(dest="action", required=True)
    hook_run = hook_actions.add_parser("run", help="deliver the change feed to endpoints (until stopped)")
    hook_run.add_argument("--every", type=float, default=1.0, help="seconds between polls (default 1)")
    hook_run.set_defaults(func=_webhooks_run)
    feed_changes = groups.add_parser("changes", help="the change feed")
    change_actions = feed_changes.add_subparsers(dest="action", required=True)
    change_actions.add_parser("prune", help="delete changes older than TUNEGRAPH_CHANGES_DAYS").set_defaults(
        func=_changes_prune)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tunegraph` console command."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args, Settings.from_env())
    except KeyboardInterrupt:
        print("tunegraph: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure is reported as one line, never a traceback
        print(f"tunegraph: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
