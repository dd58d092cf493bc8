"""`python server.py` with several worker processes: one port, metrics summed over the workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from graph.schema import STATEMENTS
from settings import PROJECT_ROOT
from tests.servers import summed_metric

REQUESTS = 40


def test_two_workers_serve_one_port_and_sum_their_metrics(two_workers: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, _ = two_workers
    assert summed_metric(base, 'tunegraph_cypher_queries_total{query="schema"}') == 2 * len(STATEMENTS)
    for _ in range(REQUESTS):  # a new connection each, so both workers take some
        body = httpx.post(base + "/graphql", json={"query": "{ genres { name } }"}, timeout=10).json()
        assert "errors" not in body
        assert any(g["name"] == "Rock" for g in body["data"]["genres"])
    assert summed_metric(base, "tunegraph_graphql_requests_total") == REQUESTS


def test_serving_processes_collect_garbage_less_often() -> None:
    import gc

    import server

    before = gc.get_threshold()
    try:
        server.tune_gc()
        assert gc.get_threshold() == server.GC_THRESHOLDS
        assert gc.get_threshold()[0] > before[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_bench_load_generator_counts_what_the_server_answered(
    two_workers: tuple[str, subprocess.Popen[bytes]],
) -> None:
    import json

    base, _ = two_workers
    before = summed_metric(base, "tunegraph_graphql_requests_total")
    job = {"url": base + "/graphql", "query": "query($n: Int) { artists(first: $n) { edges { node { name } } } }",
           "variables": [{"n": 1}, {"n": 2}], "concurrency": 4, "duration": 1.0}
    done = subprocess.run([sys.executable, "-m", "bench.load"], input=json.dumps(job), capture_output=True,
                          text=True, cwd=PROJECT_ROOT, check=True)
    outcome = json.loads(done.stdout)
    assert outcome["requests"] > 10
    assert outcome["errors"] == 0
    assert len(outcome["latencies_ms"]) == outcome["requests"]
    assert 0 < outcome["cpu_seconds"] < 30
    assert summed_metric(base, "tunegraph_graphql_requests_total") - before == outcome["requests"]


def test_the_installed_package_holds_every_top_level_module(tmp_path: Path) -> None:
    """`tunegraph serve` runs from anywhere: each module at the project's top level is installed, not just found
    because the tests run from its folder."""
    modules = sorted(p.stem for p in PROJECT_ROOT.glob("*.py"))
    assert "workers" in modules
    done = subprocess.run([sys.executable, "-c", f"import {', '.join(modules)}"], cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-1000:]
