"""The `tunegraph` command line: db, import, recs, persisted, serve, media, token, webhooks, changes, sales."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from recommend.matrix import Interactions

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


def _import_ddex(args: argparse.Namespace, settings: Settings) -> None:
    from graph.importers import ddex

    print(asyncio.run(ddex.run(settings, Path(args.path))))


def _import_synthetic(args: argparse.Namespace, settings: Settings) -> None:
    from graph.importers import synthetic

    print(asyncio.run(synthetic.run(settings, tracks=args.tracks, seed=args.seed, customers=args.customers,
                                    lines=args.lines, every=args.checkpoint_every)))


def _recs_train(args: argparse.Namespace, settings: Settings) -> None:
    from recommend import device, store
    from recommend.train import TrainConfig, train

    existing = store.latest_version(settings.model_dir)
    if args.if_missing and existing is not None:
        print(f"model version {existing} exists in {settings.model_dir}; not training (--if-missing)")
        return
    try:
        config = TrainConfig(device=device.choose(args.device, device.cuda_available()))
    except ValueError as refused:
        raise CommandError(str(refused)) from None
    started = time.perf_counter()
    interactions = asyncio.run(_recs_purchases(settings))
    if interactions is None:
        raise CommandError("the graph has no purchases to train on (import a store first, "
                           "e.g. `tunegraph import chinook`)")
    read_seconds = time.perf_counter() - started
    path = store.save(train(interactions, config), settings.model_dir)
    print(f"trained on {interactions.n_users} users, {interactions.n_items} items, "
          f"{interactions.matrix.nnz} interactions on {config.device} in "
          f"{time.perf_counter() - started:.1f}s (reading purchases {read_seconds:.1f}s); saved {path}")


async def _recs_purchases(settings: Settings) -> Interactions | None:
    """Every customer's purchased tracks, streamed into a matrix (progress on a terminal); None if none."""
    from tqdm import tqdm

    from graph.driver import Graph
    from graph.interactions import purchase_baskets
    from recommend.collector import Collector

    graph = Graph.connect(settings)
    collector = Collector()
    try:
        with tqdm(desc="reading purchases", unit=" tracks", disable=None, file=sys.stderr) as bar:
            async for user, items in purchase_baskets(graph):
                collector.add(user, items)
                bar.update(len(items))
    finally:
        await graph.close()
    return collector.interactions() if len(collector) else None


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


def _persisted_manifest(args: argparse.Namespace, settings: Settings) -> None:
    from api.manifest import write_manifest

    print(write_manifest(Path(args.folder), Path(args.out)))


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import server

    server.serve(settings)


def _token(args: argparse.Namespace, settings: Settings) -> None:
    from api.auth import SCOPES, customer_key, issue_token
    from api.ids import to_global

    scopes = [s for given in args.scope for s in given.replace(",", " ").split()]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise CommandError(f"unknown scope {', '.join(unknown)}; the scopes are {', '.join(sorted(SCOPES))}")
    if args.partner is not None and (not args.partner.strip() or customer_key(args.partner) is not None):
        raise CommandError("--partner needs a name that is not a Customer ID (use --customer for a customer)")
    subject = args.partner if args.partner is not None else to_global("Customer", args.customer)
    labels = [k for given in args.label for k in given.replace(",", " ").split()]
    print(issue_token(settings.jwt_secret, subject, dict.fromkeys(scopes), args.expires, args.rate_limit, labels))


def _media_generate(args: argparse.Namespace, settings: Settings) -> None:
    if settings.masters_dir is not None:
        raise CommandError("TUNEGRAPH_MASTERS_DIR is set: those masters are real, and only demo masters are generated")
    started = time.perf_counter()
    made, found = asyncio.run(_generate_masters(settings, args.limit, args.seconds))
    print(f"{made} demo masters written, {found} already there, under {settings.media_dir / 'masters'} "
          f"in {time.perf_counter() - started:.1f}s")


async def _generate_masters(settings: Settings, limit: int | None, seconds: float) -> tuple[int, int]:
    """(written, already there) demo masters of the graph's tracks, in key order, up to `limit`."""
    from delivery.masters import masters_for
    from graph import downloads
    from graph.driver import Graph

    masters = masters_for(settings.media_dir, None, seconds)
    graph = Graph.connect(settings)
    made = found = 0
    after = ""
    try:
        while limit is None or made + found < limit:
            keys = await downloads.track_keys(graph, after, min(1000, limit - made - found) if limit else 1000)
            if not keys:
                break
            for key in keys:
                exists = masters.path_of(key).is_file()
                await asyncio.to_thread(masters.ensure, key)
                made, found = (made, found + 1) if exists else (made + 1, found)
            after = keys[-1]
    finally:
        await graph.close()
    return made, found


def _customer(raw: str) -> str:
    """A customer's key from a Chinook CustomerId (or other key) or from a Customer's global ID."""
    from api.auth import customer_key
    from api.errors import ApiError
    from api.ids import from_global

    value = raw.strip()
    key = customer_key(value)
    if key is not None:
        return key
    try:
        type_name, _ = from_global(value)
    except ApiError:
        type_name = ""
    if not value or type_name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected a customer id (e.g. 1) or a Customer global ID, got {raw!r}")
    return value


DURATION = re.compile(r"(\d+)([smhd])")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _duration(raw: str) -> timedelta | None:
    """`30m`, `1h`, `7d`, `3600s`; `never` for a token without `exp`."""
    if raw == "never":
        return None
    found = DURATION.fullmatch(raw.strip())
    if not found or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"expected a duration such as 30m, 1h or 7d (or never), got {raw!r}")
    return timedelta(**{UNITS[found.group(2)]: int(found.group(1))})


def _webhooks_run(args: argparse.Namespace, settings: Settings) -> None:
    from webhooks import process

    asyncio.run(process.run(settings, every=args.every))


def _changes_prune(args: argparse.Namespace, settings: Settings) -> None:
    from webhooks import process

    print(asyncio.run(process.prune(settings)))


def _sales_recount(args: argparse.Namespace, settings: Settings) -> None:
    from graph import territory_sales

    print(asyncio.run(territory_sales.run(settings)))


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
    ddex = sources.add_parser("ddex", help="DDEX ERN 4.3/3.8.2 release and purge messages; idempotent")
    ddex.add_argument("path", help="a message file, or a folder of them (*.xml)")
    ddex.set_defaults(func=_import_ddex)
    synth = sources.add_parser("synthetic", help="a generated store, for scale")
    synth.add_argument("--tracks", type=_positive, required=True, help="number of tracks")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.add_argument("--customers", type=_positive, help="number of customers (default tracks / 10)")
    synth.add_argument("--lines", type=_positive, help="purchased tracks, about (default tracks * 5)")
    synth.add_argument("--checkpoint-every", type=_positive, default=20_000,
                       help="records per checkpoint; a killed import started again continues from the last")
    synth.set_defaults(func=_import_synthetic)

    recs = groups.add_parser("recs", help="the recommender")
    recs_actions = recs.add_subparsers(dest="action", required=True)
    train = recs_actions.add_parser("train", help="train on the purchases in the graph")
    train.add_argument("--if-missing", action="store_true", help="only when no model exists yet")
    train.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                       help="where ALS runs: auto (a CUDA GPU when implicit finds one, else CPU), cpu or gpu")
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

    persisted = groups.add_parser("persisted", help="persisted queries")
    persisted_actions = persisted.add_subparsers(dest="action", required=True)
    manifest = persisted_actions.add_parser(
        "manifest", help="a manifest of the operations in a folder of .graphql files (TUNEGRAPH_PERSISTED_QUERIES)")
    manifest.add_argument("folder", help="DIR searched for *.graphql files")
    manifest.add_argument("--out", required=True, help="FILE.json to write")
    manifest.set_defaults(func=_persisted_manifest)

    groups.add_parser("serve", help="the GraphQL API (same as python server.py)").set_defaults(
        func=_serve)

    media = groups.add_parser("media", help="audio masters and covers for delivery")
    media_actions = media.add_subparsers(dest="action", required=True)
    generate = media_actions.add_parser(
        "generate", help="write demo masters (a few seconds each) for the graph's tracks"
    )
    generate.add_argument("--limit", type=_positive, help="at most N tracks, in key order (default: all)")
    generate.add_argument("--seconds", type=_positive, default=8, help="length of each master (default 8)")
    generate.set_defaults(func=_media_generate)

    token = groups.add_parser("token", help="print a development bearer token (HS256, TUNEGRAPH_JWT_SECRET)")
    who = token.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", type=_customer, metavar="ID",
                     help="a customer token: the Chinook CustomerId (e.g. 1) or a Customer global ID")
    who.add_argument("--partner", metavar="NAME", help="a partner token: any name but a Customer ID")
    token.add_argument("--scope", action="append", default=[], metavar="SCOPES",
                       help="scopes, space- or comma-separated, repeatable: purchases:write, royalties:read, admin")
    token.add_argument("--expires", type=_duration, default=timedelta(hours=1), metavar="DURATION",
                       help="lifetime such as 30m, 1h (default), 7d; `never` for no `exp`")
    token.add_argument("--rate-limit", type=_positive, metavar="COST",
                       help="the `rateLimit` claim: query cost per minute (capped by TUNEGRAPH_RATE_LIMIT_MAX)")
    token.add_argument("--label", action="append", default=[], metavar="KEYS",
                       help="the `labels` claim: label keys whose royalties a partner may read, repeatable")
    token.set_defaults(func=_token)
    hooks = groups.add_parser("webhooks", help="partner webhooks")
    hook_actions = hooks.add_subparsers(dest="action", required=True)
    hook_run = hook_actions.add_parser("run", help="deliver the change feed to endpoints (until stopped)")
    hook_run.add_argument("--every", type=float, default=1.0, help="seconds between polls (default 1)")
    hook_run.set_defaults(func=_webhooks_run)
    feed_changes = groups.add_parser("changes", help="the change feed")
    change_actions = feed_changes.add_subparsers(dest="action", required=True)
    change_actions.add_parser("prune", help="delete changes older than TUNEGRAPH_CHANGES_DAYS").set_defaults(
        func=_changes_prune)
    sales = groups.add_parser("sales", help="units sold per territory (what territory charts read)")
    sales.add_subparsers(dest="action", required=True).add_parser(
        "recount", help="set every territory tally from the purchase lines (once, for a store older than them)"
    ).set_defaults(func=_sales_recount)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tunegraph` console command."""
    from graph.bookmarks import causal

    args = build_parser().parse_args(argv)
    try:
        with causal():  # on a cluster, a command's reads see its own earlier writes
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
