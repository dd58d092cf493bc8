"""Two API processes on their own ports over one Neo4j (through a routing `neo4j://` URI) and one model
folder: a catalog change and a new model reach both within their polling periods."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from api.ids import to_global
from api.recommender import POLL_SECONDS as MODEL_POLL_SECONDS
from graph.catalog_watch import POLL_SECONDS
from graph.driver import Graph
from recommend import store
from recommend.matrix import from_triples
from recommend.train import TrainConfig, train
from settings import Settings
from tests.api.releases import new_prefix, release, remove, write
from tests.servers import server_process

TITLE = "query($id: ID!) { node(id: $id) { ... on Album { title } } }"
SLACK_SECONDS = 20.0
"""Past the polling period: a busy shared machine delays a poll, never by this much."""


@pytest.fixture
async def prefix(graph: Graph) -> AsyncIterator[str]:
    p = new_prefix("scaleout")
    yield p
    await remove(graph, p)


@pytest.fixture
def two_apis(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    routed = "neo4j://" + settings.neo4j_uri.removeprefix("bolt://")
    env = {"NEO4J_URI": routed, "TUNEGRAPH_MODEL_DIR": str(tmp_path / "models"), "TUNEGRAPH_RATE_LIMIT": "0"}
    with ExitStack() as stack:
        bases = [stack.enter_context(server_process(env, _alive, tmp_path / name))[0] for name in ("a", "b")]
        yield bases


def _alive(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=5).status_code == 200
    except (httpx.HTTPError, OSError):
        return False


def _title(base: str, album: str) -> str | None:
    body = httpx.post(base + "/graphql", json={"query": TITLE, "variables": {"id": album}}, timeout=10).json()
    node = body["data"]["node"]
    return node["title"] if node else None


def _model(base: str) -> int | None:
    version: int | None = httpx.get(base + "/readyz", timeout=10).json().get("model")
    return version


async def _within(seconds: float, condition: Callable[[], bool]) -> float:
    started = time.monotonic()
    while not await asyncio.to_thread(condition):
        assert time.monotonic() - started < seconds, f"not seen within {seconds:.0f} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_a_catalog_change_reaches_both_processes(two_apis: list[str], graph: Graph, prefix: str) -> None:
    original = release(prefix, "a")
    await write(graph, [original])
    album = to_global("Album", original.key)
    for base in two_apis:  # each holds the page in its album copy now
        await _within(SLACK_SECONDS, lambda base=base: _title(base, album) == original.title)  # type: ignore[misc]
    await write(graph, [replace(original, title="Retitled for both")])
    for base in two_apis:
        await _within(POLL_SECONDS + SLACK_SECONDS,
                      lambda base=base: _title(base, album) == "Retitled for both")  # type: ignore[misc]


async def test_a_new_model_reaches_both_processes(two_apis: list[str], tmp_path: Path) -> None:
    assert [_model(base) for base in two_apis] == [None, None]
    tiny = TrainConfig(factors=4, iterations=2)
    for version in (1, 2):
        pairs = [(f"u{n}", f"t{(n + k) % 5}", 1.0) for n in range(6) for k in range(version + 1)]
        store.save(train(from_triples(pairs), tiny), tmp_path / "models")
        for base in two_apis:
            await _within(MODEL_POLL_SECONDS + SLACK_SECONDS,
                          lambda base=base, v=version: _model(base) == v)  # type: ignore[misc]
