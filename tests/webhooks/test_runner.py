"""The webhook runner against a flaky local receiver: nothing lost, nothing misdelivered, order kept, pause after a day."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from graph import changes
from graph import webhooks as hooks
from graph.driver import Graph
from graph.upsert import upsert_releases
from graph.webhooks import Endpoint, Event, State
from tests.graph.test_changes import ChangeMaker, drain
from tests.webhooks.receiver import Receiver, serving
from webhooks import signing
from webhooks.runner import Policy, Runner

QUICK = Policy(batch=3, timeout_seconds=0.4, base_seconds=0.01, cap_seconds=0.05)
CEILING_SECONDS = 90.0
"""A generous bound on how long the deliveries of a test may take (not a speed test)."""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def makers(graph: Graph) -> AsyncIterator[list[ChangeMaker]]:
    made = [ChangeMaker(), ChangeMaker()]
    yield made
    for maker in made:
        await maker.cleanup(graph)


@pytest.fixture
async def endpoints(graph: Graph) -> AsyncIterator[list[Endpoint]]:
    made: list[Endpoint] = []
    yield made
    for endpoint in made:
        await hooks.remove(graph, endpoint.key)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as c:
        yield c


async def register(graph: Graph, receiver: Receiver, path: str, maker: ChangeMaker, made: list[Endpoint]) -> Endpoint:
    receiver.secrets[path] = secret = signing.new_secret()
    found = await hooks.register(graph, uuid.uuid4().hex, f"owner-{path}", receiver.url(path),
                                 [Event.RELEASE_CHANGES], frozenset({maker.label}), secret, datetime.now(UTC))
    assert found is not None
    made.append(found)
    return found


async def until(condition: object, runner: Runner) -> None:
    """Turn the runner until `condition()` holds (bounded)."""
    deadline = time.monotonic() + CEILING_SECONDS
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "deliveries did not finish in time"
        await runner.turn()
        await asyncio.sleep(0.02)


async def test_a_flaky_receiver_gets_each_partner_its_own_events_once_in_order(
    graph: Graph, makers: list[ChangeMaker], endpoints: list[Endpoint], client: httpx.AsyncClient
) -> None:
    receiver = Receiver(fail_rate=0.3, stall_rate=0.15, stall_seconds=1.0)
    async with serving(receiver):
        start, _ = await changes.head(graph)
        for path, maker in zip("ab", makers, strict=True):
            await register(graph, receiver, path, maker, endpoints)
        a, b = ([maker.release() for _ in range(4)] for maker in makers)
        await upsert_releases(graph, a[:2] + b[:2])
        await upsert_releases(graph, a[2:] + b[2:])
        await upsert_releases(graph, [dataclasses.replace(r, title=f"{r.title} (Deluxe)") for r in a])
        ended = [dataclasses.replace(r, rights=dataclasses.replace(r.rights, end=datetime.now(UTC).date())) for r in b]
        await upsert_releases(graph, ended)
        expected = {
            path: [changes.cursor_of(int(str(c["seq"]))) for c in await drain(graph, start, maker.scope())]
            for path, maker in zip("ab", makers, strict=True)
        }
        runner = Runner(graph, client, allow_loopback=True, policy=QUICK, rng=random.Random(7))

        def delivered() -> bool:
            return all(len(receiver.taken.get(p, [])) >= len(ids) for p, ids in expected.items())

        await until(delivered, runner)

    assert [len(ids) for ids in expected.values()] == [8, 8]
    for path, ids in expected.items():
        taken = [e["id"] for e in receiver.taken[path]]
        # At least once, in feed order: a redelivery (a 2xx that came after the sender gave up) repeats a run.
        assert list(dict.fromkeys(taken)) == ids
        assert set(taken) == set(ids)
    assert {e["label"] for e in receiver.taken["a"]} == {makers[0].label}
    assert {e["label"] for e in receiver.taken["b"]} == {makers[1].label}
    assert receiver.bad_signatures == 0
    log = [d for e in endpoints for d in await hooks.deliveries(graph, e.key, 100)]
    failures = [d for d in log if not d["ok"]]
    assert failures
    assert {d["error"].split(" ")[0] for d in failures} <= {"HTTP", "timed"}
    assert sum(receiver.seen.values()) == len(log)


async def test_an_endpoint_failing_for_a_day_is_paused_until_resumed(
    graph: Graph, makers: list[ChangeMaker], endpoints: list[Endpoint], client: httpx.AsyncClient
) -> None:
    receiver = Receiver(fail_rate=1.0)
    async with serving(receiver):
        endpoint = await register(graph, receiver, "p", makers[0], endpoints)
        release = makers[0].release()
        await upsert_releases(graph, [release])
        clock = Clock()
        runner = Runner(graph, client, allow_loopback=True, policy=Policy(timeout_seconds=2), clock=clock)
        started = clock.now
        states = []
        for step in (timedelta(0), timedelta(hours=23), timedelta(days=1, seconds=1), timedelta(days=1, hours=2)):
            clock.now = started + step
            await runner.turn()
            found = await hooks.find(graph, endpoint.key)
            assert found is not None
            states.append(found.state)
        assert states == [State.ACTIVE, State.ACTIVE, State.PAUSED, State.PAUSED]
        assert receiver.seen["p"] == 3  # nothing sent once paused
        log = await hooks.deliveries(graph, endpoint.key, 10)
        assert [(d["attempt"], d["status"], d["ok"]) for d in log] == [(3, 500, False), (2, 500, False), (1, 500, False)]

        receiver.fail_rate = 0.0
        await hooks.resume(graph, endpoint.key, clock.now)
        await runner.turn()

    assert [(e["kind"], e["album"]["upc"]) for e in receiver.taken["p"]] == [("CREATED", release.upc)]
    resumed = await hooks.find(graph, endpoint.key)
    assert resumed is not None
    assert resumed.state is State.ACTIVE
    assert resumed.failing_since is None


async def test_a_private_target_is_never_contacted(
    graph: Graph, makers: list[ChangeMaker], endpoints: list[Endpoint], client: httpx.AsyncClient
) -> None:
    found = await hooks.register(graph, uuid.uuid4().hex, "owner-x", "https://10.1.2.3/hook", [Event.RELEASE_CHANGES],
                                 frozenset({makers[0].label}), signing.new_secret(), datetime.now(UTC))
    assert found is not None
    endpoints.append(found)
    await upsert_releases(graph, [makers[0].release()])

    await Runner(graph, client, allow_loopback=True, policy=QUICK).turn()

    log = await hooks.deliveries(graph, found.key, 10)
    assert [(d["ok"], d.get("status")) for d in log] == [(False, None)]
    assert log[0]["error"].startswith("target refused: 10.1.2.3 is not a public address")
