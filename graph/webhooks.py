"""Webhook endpoints, their delivery cursors and their delivery log (the sending is `webhooks.runner`'s).

An endpoint `(:WebhookEndpoint)` belongs to the token subject that registered it and sees the
labels that token saw then; `cursor` is the number of the last change it acknowledged (2xx), so a
change is delivered at least once, in order. `(:WebhookDelivery)` records each attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from graph.changes import Scope
from graph.driver import Cypher, Graph
from graph.release_fields import RELEASE_KINDS, ChangeKind

MAX_ENDPOINTS = 10
"""Endpoints one token subject may register."""


class Event(StrEnum):
    """What an endpoint subscribes to."""

    RELEASE_CHANGES = "RELEASE_CHANGES"
    SALES = "SALES"


class State(StrEnum):
    """Whether the runner delivers to an endpoint."""

    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


CREATE = Cypher(
    "create_webhook",
    """
    OPTIONAL MATCH (s:ChangeSequence {key: 'changes'})
    CREATE (e:WebhookEndpoint {key: $key, owner: $owner, url: $url, events: $events, labels: $labels,
                               allLabels: $allLabels, secret: $secret, cursor: coalesce(s.next, 0),
                               state: 'ACTIVE', attempts: 0, nextAttemptAt: $now, createdAt: $now})
    RETURN e{.*} AS row
    """,
)
COUNT_OWNED = Cypher(
    "count_webhooks", "MATCH (e:WebhookEndpoint) WHERE e.owner = $owner RETURN count(e) AS total"
)
BY_KEY = Cypher("webhook_by_key", "MATCH (e:WebhookEndpoint {key: $key}) RETURN e{.*} AS row")
OWNED = Cypher(
    "webhooks_owned",
    "MATCH (e:WebhookEndpoint) WHERE e.owner = $owner RETURN e{.*} AS row ORDER BY e.createdAt, e.key",
)
DUE = Cypher(
    "webhooks_due",
    "MATCH (e:WebhookEndpoint) WHERE e.state = 'ACTIVE' AND e.nextAttemptAt <= $now RETURN e{.*} AS row",
)
# Guarded by the cursor read: a resume or a second runner that moved it meanwhile wins.
ADVANCE = Cypher(
    "webhook_advance",
    """
    MATCH (e:WebhookEndpoint {key: $key}) WHERE e.cursor = $from
    SET e.cursor = $through, e.attempts = 0, e.failingSince = null, e.nextAttemptAt = $now
    """,
)
FAILED = Cypher(
    "webhook_failed",
    """
    MATCH (e:WebhookEndpoint {key: $key})
    SET e.attempts = e.attempts + 1, e.failingSince = coalesce(e.failingSince, $now),
        e.nextAttemptAt = $next, e.lastError = $error
    WITH e WHERE e.failingSince <= $pauseIfFailingSince
    SET e.state = 'PAUSED', e.pausedAt = $now
    """,
)
RESUME = Cypher(
    "webhook_resume",
    """
    MATCH (e:WebhookEndpoint {key: $key})
    SET e.state = 'ACTIVE', e.attempts = 0, e.failingSince = null, e.pausedAt = null, e.nextAttemptAt = $now
    RETURN e{.*} AS row
    """,
)
REMOVE = Cypher(
    "webhook_remove",
    """
    MATCH (e:WebhookEndpoint {key: $key})
    CALL (e) { MATCH (d:WebhookDelivery) WHERE d.endpointKey = e.key DELETE d }
    DELETE e
    """,
)
LOG = Cypher(
    "webhook_log",
    """
    CREATE (:WebhookDelivery {endpointKey: $key, at: $at, firstSeq: $firstSeq, lastSeq: $lastSeq,
                              events: $events, ok: $ok, status: $status, error: $error, attempt: $attempt,
                              durationMs: $durationMs})
    """,
)
LOG_PAGE = Cypher(
    "webhook_log_page",
    """
    MATCH (d:WebhookDelivery) WHERE d.endpointKey = $key AND d.at IS NOT NULL
    RETURN d{.*} AS row ORDER BY d.at DESC LIMIT $limit
    """,
)
PRUNE_LOG = Cypher(
    "webhook_log_prune",
    """
    MATCH (d:WebhookDelivery) WHERE d.at < $before
    WITH d LIMIT 10000
    DELETE d
    RETURN count(*) AS deleted
    """,
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A registered endpoint as stored."""

    key: str
    owner: str
    url: str
    events: tuple[Event, ...]
    labels: frozenset[str] | None
    secret: str
    cursor: int
    state: State
    attempts: int
    failing_since: datetime | None
    created_at: datetime
    last_error: str | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Endpoint:
        """An endpoint from its node's properties."""
        return cls(
            key=row["key"], owner=row["owner"], url=row["url"], events=tuple(Event(e) for e in row["events"]),
            labels=None if row["allLabels"] else frozenset(row["labels"]), secret=row["secret"],
            cursor=int(row["cursor"]), state=State(row["state"]), attempts=int(row["attempts"]),
            failing_since=row.get("failingSince"), created_at=row["createdAt"], last_error=row.get("lastError"),
        )

    @property
    def scope(self) -> Scope:
        """The changes this endpoint is sent."""
        kinds: set[str] = set()
        if Event.RELEASE_CHANGES in self.events:
            kinds.update(RELEASE_KINDS)
        if Event.SALES in self.events:
            kinds.add(ChangeKind.SOLD)
        return Scope(frozenset(kinds), self.labels)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt, for the log."""

    at: datetime
    first_seq: int
    last_seq: int
    events: int
    ok: bool
    status: int | None
    error: str | None
    attempt: int
    duration_ms: int


async def register(
    graph: Graph, key: str, owner: str, url: str, events: Sequence[Event], labels: frozenset[str] | None,
    secret: str, now: datetime,
) -> Endpoint | None:
    """Store a new endpoint starting after the newest change; None when the owner has MAX_ENDPOINTS."""
    if (await graph.read(COUNT_OWNED, {"owner": owner}))[0]["total"] >= MAX_ENDPOINTS:
        return None
    params = {"key": key, "owner": owner, "url": url, "events": [e.value for e in events],
              "labels": sorted(labels or ()), "allLabels": labels is None, "secret": secret, "now": now}
    return Endpoint.of((await graph.write(CREATE, params))[0]["row"])


async def find(graph: Graph, key: str) -> Endpoint | None:
    """The endpoint with this key, or None."""
    rows = await graph.read(BY_KEY, {"key": key})
    return Endpoint.of(rows[0]["row"]) if rows else None


async def owned(graph: Graph, owner: str) -> list[Endpoint]:
    """An owner's endpoints, oldest first."""
    return [Endpoint.of(r["row"]) for r in await graph.read(OWNED, {"owner": owner})]


async def due(graph: Graph, now: datetime) -> list[Endpoint]:
    """Active endpoints whose next attempt is due."""
    return [Endpoint.of(r["row"]) for r in await graph.read(DUE, {"now": now})]


async def advance(graph: Graph, endpoint: Endpoint, through: int, now: datetime) -> None:
    """The endpoint acknowledged everything up to `through`: move its cursor, clear its failures."""
    await graph.write(ADVANCE, {"key": endpoint.key, "from": endpoint.cursor, "through": through, "now": now})


async def failed(graph: Graph, endpoint: Endpoint, error: str, now: datetime, retry_at: datetime,
                 pause_if_failing_since: datetime) -> None:
    """Count a failure and schedule the retry; pause when failing since `pause_if_failing_since` or before."""
    params = {"key": endpoint.key, "error": error[:500], "now": now, "next": retry_at,
              "pauseIfFailingSince": pause_if_failing_since}
    await graph.write(FAILED, params)


async def resume(graph: Graph, key: str, now: datetime) -> Endpoint | None:
    """Deliver to a paused endpoint again from its cursor (nothing it missed is skipped)."""
    rows = await graph.write(RESUME, {"key": key, "now": now})
    return Endpoint.of(rows[0]["row"]) if rows else None


async def remove(graph: Graph, key: str) -> None:
    """Delete an endpoint and its delivery log."""
    await graph.write(REMOVE, {"key": key})


async def log(graph: Graph, endpoint: Endpoint, attempt: Attempt) -> None:
    """Record one delivery attempt."""
    await graph.write(LOG, {
        "key": endpoint.key, "at": attempt.at, "firstSeq": attempt.first_seq, "lastSeq": attempt.last_seq,
        "events": attempt.events, "ok": attempt.ok, "status": attempt.status, "error": attempt.error,
        "attempt": attempt.attempt, "durationMs": attempt.duration_ms,
    })


async def deliveries(graph: Graph, key: str, limit: int) -> list[dict[str, Any]]:
    """An endpoint's newest delivery attempts first."""
    return [r["row"] for r in await graph.read(LOG_PAGE, {"key": key, "limit": limit})]


async def prune_log(graph: Graph, before: datetime) -> int:
    """Delete delivery attempts logged before `before`; returns how many."""
    deleted = 0
    while found := int((await graph.write(PRUNE_LOG, {"before": before}))[0]["deleted"]):
        deleted += found
    return deleted
