"""The webhook process's entry points, as `tunegraph webhooks run` and `tunegraph changes prune` call them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx

from graph import changes
from graph import webhooks as hooks
from graph.driver import Graph
from graph.schema import ensure_schema
from settings import Settings
from webhooks.runner import Policy, Runner


async def run(settings: Settings, every: float) -> None:
    """Deliver until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    graph = Graph.connect(settings)
    try:
        await ensure_schema(graph)
        policy = Policy(timeout_seconds=settings.webhook_timeout)
        async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
            runner = Runner(graph, client, settings.webhooks_allow_loopback, policy)
            await runner.run(every, timedelta(days=settings.changes_days))
    finally:
        await graph.close()


async def prune(settings: Settings) -> str:
    """Delete changes and delivery records older than the retention; says how many."""
    graph = Graph.connect(settings)
    try:
        before = datetime.now(UTC) - timedelta(days=settings.changes_days)
        dropped = await changes.prune(graph, before)
        dropped_log = await hooks.prune_log(graph, before)
    finally:
        await graph.close()
    return f"pruned {dropped} changes and {dropped_log} delivery records older than {settings.changes_days} days"
