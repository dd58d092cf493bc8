"""`python -m bench.model_swap --store 10m`: a new model version swapped in under load, without a failed request.

The API starts on NEO4J_URI with a scratch model folder holding the store's newest model file (a hard
link: no copy of gigabytes) and its whole-response cache off, so every `Artist.related` (or the panel
asked for) ranks with the model. At 16 clients the panel runs before, while and after the next version
is published into that folder (another hard link, the name `tunegraph recs train` would give it): the
report gives each phase's requests, errors and p50/p99, the seconds from publishing to /readyz naming
the new version, and the API processes' peak resident memory (two models are held while one replaces
the other).
Writes bench/results/model-swap-<store>-<time>.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.__main__ import RESULTS, api_server, children, cypher_sent, run_job
from bench.recs_panels import PANELS, sample
from bench.report import Figures, figures, table
from recommend import store
from settings import Settings


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes together, MiB (0 for any gone)."""
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in text.splitlines() if line.startswith("VmRSS:")), 0)
    return round(total / 1024, 1)


def served_version(base: str) -> int | None:
    """The model version /readyz names, None while it names none."""
    try:
        version = httpx.get(base + "/readyz", timeout=5).json().get("model")
    except (httpx.HTTPError, ValueError):
        return None
    return version if isinstance(version, int) else None


def scratch_folder(source: Path, scratch: Path) -> tuple[Path, int]:
    """A fresh folder with the source's newest model as its only version; that version's number."""
    version = store.latest_version(source)
    if version is None:
        raise SystemExit(f"bench: no model in {source} (run `tunegraph recs train` first)")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    os.link(store.path_of(source, version), store.path_of(scratch, version))
    return scratch, version


def phase(base: str, panel: str, variables: list[dict[str, Any]], clients: int, seconds: float, name: str) -> Figures:
    """The panel under load for `seconds`."""
    job = {"url": base + "/graphql", "query": PANELS[panel], "variables": variables, "concurrency": clients,
           "duration": seconds}
    sent = cypher_sent(base)
    outcome = run_job(job)
    found = figures(name, clients, outcome, cypher_sent(base) - sent)
    print(f"model swap: {name}: {found.requests} requests, {found.errors} errors, p50 {found.p50_ms} ms, "
          f"p99 {found.p99_ms} ms", file=sys.stderr)
    return found


def swap_under_load(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Before, during and after publishing the next version; what each phase and the swap measured."""
    scratch, version = scratch_folder(settings.model_dir, settings.data_dir / "swap-models")
    env = {"TUNEGRAPH_MODEL_DIR": str(scratch), "TUNEGRAPH_RESPONSE_CACHE": "0"}
    inputs = asyncio.run(sample(settings, 200)).variables[args.panel]
    started = time.monotonic()
    with api_server(settings, args.workers, env) as target:
        while served_version(target.base) != version:
            time.sleep(0.5)
        ready_s = time.monotonic() - started
        server = target.server_pid
        pids = [] if server is None else [server, *children(server)]
        phase(target.base, args.panel, inputs, 4, 3.0, "warm-up")
        before = phase(target.base, args.panel, inputs, args.clients, args.seconds, "before")
        peak = [rss_mb(pids)]
        swapped: list[float] = []

        def publish_and_watch() -> None:
            time.sleep(2.0)
            published = time.monotonic()
            os.link(store.path_of(scratch, version), store.path_of(scratch, version + 1))
            while time.monotonic() - published < args.swap_timeout:
                peak.append(rss_mb(pids))
                if served_version(target.base) == version + 1:
                    swapped.append(time.monotonic() - published)
                    return
                time.sleep(0.25)

        watcher = threading.Thread(target=publish_and_watch)
        watcher.start()
        during = phase(target.base, args.panel, inputs, args.clients, args.during, "during")
        watcher.join()
        after = phase(target.base, args.panel, inputs, args.clients, args.seconds, "after")
    shutil.rmtree(scratch, ignore_errors=True)
    size_mb = round(store.path_of(settings.model_dir, version).stat().st_size / 2**20, 1)
    return {"store": args.store, "panel": args.panel, "model_file_mb": size_mb, "workers": args.workers,
            "start_to_ready_s": round(ready_s, 1), "swap_s": round(swapped[0], 1) if swapped else None,
            "peak_api_rss_mb": max(peak), "phases": [asdict(p) for p in (before, during, after)]}


def write(found: dict[str, Any], out: Path) -> Path:
    """The report as JSON and Markdown."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"model-swap-{found['store']}-{stamp}.json"
    path.write_text(json.dumps(found, indent=2) + "\n")
    swap = f"{found['swap_s']} s" if found["swap_s"] is not None else "not within the timeout"
    text = (f"# A new model under load, {found['store']} store ({stamp})\n\n"
            f"`{found['panel']}` at 16 clients; model file {found['model_file_mb']} MiB; {found['workers']} "
            f"worker(s); the API served its first version {found['start_to_ready_s']} s after starting. "
            f"The next version was served {swap} after it was published; the API processes' peak resident "
            f"memory was {found['peak_api_rss_mb']} MiB. "
            f"Load average at the end: {[round(x, 1) for x in os.getloadavg()]} on {os.cpu_count()} CPUs.\n\n"
            + table([Figures(**p) for p in found["phases"]]) + "\n")
    path.with_suffix(".md").write_text(text)
    print(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="store", help="the store's name in the report (chinook, 1m, 10m)")
    parser.add_argument("--workers", type=int, default=1, help="API worker processes (each holds two models a while)")
    parser.add_argument("--panel", choices=list(PANELS), default="Artist.related")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="load before and after the swap")
    parser.add_argument("--during", type=float, default=60.0, help="load from 2 s before publishing")
    parser.add_argument("--swap-timeout", type=float, default=900.0, help="seconds to wait for the new version")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    found = swap_under_load(args, Settings.from_env())
    write(found, args.out)
    failed = sum(p["errors"] for p in found["phases"])
    return 1 if failed or found["swap_s"] is None else 0


if __name__ == "__main__":
    sys.exit(main())
