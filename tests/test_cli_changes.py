"""`tunegraph changes prune` and `tunegraph webhooks run` on the command line; their settings."""

from __future__ import annotations

import asyncio
import re

import pytest

import cli
from graph import changes
from graph.driver import Graph
from graph.upsert import upsert_releases
from settings import Settings
from tests.graph.test_changes import ChangeMaker, drain


async def test_prune_keeps_what_is_younger_than_the_retention(graph: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    maker = ChangeMaker()
    try:
        start, _ = await changes.head(graph)
        await upsert_releases(graph, [maker.release()])
        # cli.main runs its own event loop: run it in a thread, as a shell would in a process of its own.
        assert await asyncio.to_thread(cli.main, ["changes", "prune"]) == 0
        assert re.fullmatch(r"pruned \d+ changes and \d+ delivery records older than 30 days\n", capsys.readouterr().out)
        assert len(await drain(graph, start, maker.scope())) == 1
    finally:
        await maker.cleanup(graph)


def test_webhooks_run_is_a_command() -> None:
    args = cli.build_parser().parse_args(["webhooks", "run", "--every", "0.5"])
    assert (args.func, args.every) == (cli._webhooks_run, 0.5)


def test_settings_of_the_change_feed_and_webhooks() -> None:
    found = Settings.from_env({"TUNEGRAPH_CHANGES_DAYS": "7", "TUNEGRAPH_WEBHOOKS_ALLOW_LOOPBACK": "1",
                               "TUNEGRAPH_WEBHOOK_TIMEOUT": "3"})
    assert (found.changes_days, found.webhooks_allow_loopback, found.webhook_timeout) == (7, True, 3.0)
    default = Settings.from_env({})
    assert (default.changes_days, default.webhooks_allow_loopback, default.webhook_timeout) == (30, False, 10.0)
    with pytest.raises(ValueError, match="TUNEGRAPH_CHANGES_DAYS must be a whole number"):
        Settings.from_env({"TUNEGRAPH_CHANGES_DAYS": "a month"})
