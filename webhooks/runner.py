"""`tunegraph webhooks run`: sends the change feed to registered endpoints, in its own process.

Each due endpoint is sent its next changes (up to `Policy.batch` per request) after its cursor; a
2xx moves the cursor, so every change arrives at least once and in feed order (hence in order per
release). A failure (non-2xx, timeout, refused target) is logged and retried after a delay drawn
uniformly from [0, min(cap, base * 2^attempts)] (exponential backoff with full jitter); an endpoint
failing for `Policy.pause_after` is paused until its owner resumes it. Run one runner per graph.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from graph import changes
from graph import webhooks as hooks
from graph.changes import ChangePage, ChangesPruned
from graph.driver import UNAVAILABLE_ERRORS, Graph
from graph.webhooks import Attempt, Endpoint
from webhooks import payload, signing
from webhooks.targets import TargetError, check_target

log = logging.getLogger("tunegraph.webhooks")
Clock = Callable[[], datetime]
PRUNE_EVERY = timedelta(hours=1)
IN_FLIGHT = 16
"""Endpoints sent to at once: one slow partner does not hold up the others."""


@dataclass(frozen=True, slots=True)
class Policy:
    """How deliveries are batched, timed out, retried and given up on."""

    batch: int = 50
    batches_per_turn: int = 20
    timeout_seconds: float = 10.0
    base_seconds: float = 1.0
    cap_seconds: float = 600.0
    pause_after: timedelta = timedelta(days=1)


def _now() -> datetime:
    return datetime.now(UTC)


class Runner:
    """Delivers due endpoints' changes; `turn` once, or `run` forever."""

    def __init__(
        self, graph: Graph, client: httpx.AsyncClient, allow_loopback: bool, policy: Policy = Policy(),
        clock: Clock = _now, rng: random.Random | None = None,
    ) -> None:
        self.graph = graph
        self.client = client
        self.allow_loopback = allow_loopback
        self.policy = policy
        self.clock = clock
        self.rng = rng or random.Random()
        self.gate = asyncio.Semaphore(IN_FLIGHT)

    def backoff(self, attempts: int) -> timedelta:
        """The delay before the next try after `attempts` earlier failures (full jitter)."""
        ceiling = min(self.policy.cap_seconds, self.policy.base_seconds * 2 ** min(attempts, 30))
        return timedelta(seconds=self.rng.uniform(0, ceiling))

    async def turn(self) -> int:
        """Send every due endpoint what it is owed; returns how many endpoints were due."""
        due = await hooks.due(self.graph, self.clock())
        await asyncio.gather(*(self._endpoint(e) for e in due))
        return len(due)

    async def _endpoint(self, endpoint: Endpoint) -> None:
        async with self.gate:
            try:
                await self._deliver(endpoint)
            except UNAVAILABLE_ERRORS as exc:
                log.warning("webhook %s: graph unavailable: %s", endpoint.key, exc)
            except Exception:  # one endpoint's trouble must not stop the others; its cursor has not moved
                log.exception("webhook %s: delivery failed", endpoint.key)

    async def _deliver(self, endpoint: Endpoint) -> None:
        for _ in range(self.policy.batches_per_turn):
            try:
                page = await changes.read_changes(self.graph, endpoint.cursor, self.policy.batch, endpoint.scope)
            except ChangesPruned as gone:
                await self._skip_pruned(endpoint, gone.pruned_through)
                return
            if page.rows:
                if not await self._send(endpoint, page):
                    return
            elif page.through != endpoint.cursor:  # only changes this endpoint does not want: step over them
                await hooks.advance(self.graph, endpoint, page.through, self.clock())
            else:
                return
            endpoint = dataclasses.replace(endpoint, cursor=page.through, attempts=0, failing_since=None)
            if not page.more:
                return

    async def _send(self, endpoint: Endpoint, page: ChangePage) -> bool:
        now = self.clock()
        body = payload.body(payload.endpoint_id(endpoint.key), page.rows)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "tunegraph-webhooks/1",
            signing.HEADER: signing.signature(endpoint.secret, int(now.timestamp()), body),
        }
        status, error, started = None, None, time.perf_counter()
        try:
            await check_target(endpoint.url, self.allow_loopback)
            async with self.client.stream(
                "POST", endpoint.url, content=body, headers=headers, timeout=self.policy.timeout_seconds
            ) as response:  # the body is never read: a receiver cannot make us hold a large one
                status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except TargetError as exc:
            error = f"target refused: {exc}"
        except httpx.TimeoutException:
            error = f"timed out after {self.policy.timeout_seconds:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempt = Attempt(
            at=now, first_seq=int(page.rows[0]["seq"]), last_seq=int(page.rows[-1]["seq"]), events=len(page.rows),
            ok=error is None, status=status, error=error, attempt=endpoint.attempts + 1,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        await hooks.log(self.graph, endpoint, attempt)
        if error is None:
            await hooks.advance(self.graph, endpoint, page.through, now)
            return True
        retry_at = now + self.backoff(endpoint.attempts)
        await hooks.failed(self.graph, endpoint, error, now, retry_at, now - self.policy.pause_after)
        return False

    async def _skip_pruned(self, endpoint: Endpoint, pruned_through: int) -> None:
        """The endpoint was paused past the retention: say so in its log, and carry on from what is kept."""
        now = self.clock()
        error = f"changes {endpoint.cursor + 1}..{pruned_through} were pruned before delivery; resync from a full read"
        attempt = Attempt(now, endpoint.cursor + 1, pruned_through, 0, False, None, error, endpoint.attempts + 1, 0)
        await hooks.log(self.graph, endpoint, attempt)
        await hooks.advance(self.graph, endpoint, pruned_through, now)

    async def run(self, every: float, retention: timedelta) -> None:
        """Deliver forever, every `every` seconds; prune the feed and the log to `retention` hourly."""
        pruned_at: datetime | None = None
        while True:
            try:
                now = self.clock()
                if pruned_at is None or now - pruned_at >= PRUNE_EVERY:
                    dropped = await changes.prune(self.graph, now - retention)
                    dropped_log = await hooks.prune_log(self.graph, now - retention)
                    log.info("pruned %d changes and %d delivery records", dropped, dropped_log)
                    pruned_at = now
                await self.turn()
            except UNAVAILABLE_ERRORS as exc:
                log.warning("graph unavailable: %s", exc)
            except Exception:  # a bad turn must not end the runner; the next one retries
                log.exception("webhook turn failed")
            await asyncio.sleep(every)
