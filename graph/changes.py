"""The change feed: an outbox of release changes and sales, written in the transaction of the write.

Every change gets a sequence number from one counter node, `(:ChangeSequence {key: 'changes'})`,
taken as the last step of the writing transaction: `SET s.next = s.next + n` reads the counter it
writes, so Cypher takes the node's write lock before reading it and holds it until commit. Writers
therefore take numbers one after another, and a transaction can only take numbers after every
transaction with smaller ones has committed (or rolled back, giving its numbers back): numbers are
dense, and commit order is number order. A reader reads the counter first, then the changes up to
it, and stops at the first number it cannot see yet, so a page never steps over a change that is
still becoming visible (a number missing for longer than GAP_SETTLE behind a visible one was
deleted by hand, and is stepped over). Changes older than the retention are pruned from the front
(`prunedThrough` on the counter); a cursor before that point can no longer be resumed.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from graph.driver import Cypher, Graph, Tx
from graph.release import PurchaseRecord
from graph.release_fields import ChangeKind

SCAN = 1000
"""Changes one page examines at most, matching or not: a narrow partner's page costs no more than this."""
GAP_SETTLE = timedelta(seconds=5)
"""How long a missing number may still be committing: its successor is numbered only after it commits."""
PRUNE_BATCH = 5000
"""Changes deleted per pruning transaction."""

RECORD = Cypher(
    "record_changes",
    """
    CYPHER replan=skip
    MERGE (s:ChangeSequence {key: 'changes'})
    ON CREATE SET s.next = 0, s.prunedThrough = 0
    SET s.next = s.next + size($rows)
    WITH s.next - size($rows) AS base, datetime.realtime() AS at
    UNWIND range(0, size($rows) - 1) AS i
    CREATE (c:Change {seq: base + i + 1, at: at})
    SET c += $rows[i]
    """,
)
HEAD = Cypher(
    "change_head",
    """
    OPTIONAL MATCH (s:ChangeSequence {key: 'changes'})
    RETURN coalesce(s.next, 0) AS head, coalesce(s.prunedThrough, 0) AS prunedThrough
    """,
)
WINDOW = Cypher(
    "change_window",
    "MATCH (c:Change) WHERE c.seq > $after AND c.seq <= $until RETURN c{.*} AS row ORDER BY c.seq",
)
OLDEST = Cypher(
    "oldest_changes",
    "MATCH (c:Change) WHERE c.seq > $after RETURN c.seq AS seq, c.at AS at ORDER BY c.seq LIMIT $limit",
)
PRUNE = Cypher(
    "prune_changes",
    """
    MATCH (s:ChangeSequence {key: 'changes'})
    SET s.prunedThrough = $through
    WITH s
    MATCH (c:Change) WHERE c.seq > $after AND c.seq <= $through
    DELETE c
    """,
)
SALE_RELEASES = Cypher(
    "sale_releases",
    """
    UNWIND $tracks AS k
    MATCH (t:Track {key: k})-[:ON_ALBUM]->(a:Album)
    RETURN k AS track, a.key AS album, a.upc AS upc, [(a)-[:RELEASED_BY]->(l:Label) | l.key][0] AS label
    """,
)


CURSOR_PREFIX = "change:"


def cursor_of(seq: int) -> str:
    """The opaque cursor of a position in the feed (also a webhook event's id)."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{seq}".encode()).decode()


def position_of(cursor: str) -> int:
    """The position a cursor names; ValueError for anything `cursor_of` did not make."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("not a change cursor") from None
    number = text.removeprefix(CURSOR_PREFIX)
    if not text.startswith(CURSOR_PREFIX) or not number.isdigit() or len(number) > 18:
        raise ValueError("not a change cursor")
    return int(number)


class ChangesPruned(Exception):  # noqa: N818  (a condition the caller reports, named after it)
    """The changes after a cursor were pruned: the reader must resync from a full read."""

    def __init__(self, pruned_through: int) -> None:
        super().__init__(f"changes up to {pruned_through} were pruned")
        self.pruned_through = pruned_through


class UnknownPosition(Exception):  # noqa: N818
    """A position past the newest change: not one the feed handed out."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which changes a reader sees: these kinds, of these labels (None: every label)."""

    kinds: frozenset[str]
    labels: frozenset[str] | None = None

    def admits(self, row: Mapping[str, Any]) -> bool:
        """True when the change is of a wanted kind and a visible label."""
        return row["kind"] in self.kinds and (self.labels is None or row.get("labelKey") in self.labels)


@dataclass(frozen=True, slots=True)
class ChangePage:
    """Changes after a position, and the position to resume from (`through`: the last one examined)."""

    rows: list[dict[str, Any]]
    through: int
    more: bool


def release_change(kind: ChangeKind, album: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The outbox row of a change to a release (an album row of `graph.upsert`)."""
    label = album.get("label")
    return {"kind": kind.value, "releaseKey": album["key"], "upc": album.get("upc"),
            "labelKey": label["key"] if label else None, "fields": list(fields)}


async def record(tx: Tx, rows: Sequence[Mapping[str, Any]]) -> None:
    """Inside the writing transaction, last: append changes to the outbox in order."""
    if rows:
        await tx.run(RECORD, {"rows": list(rows)})


async def record_sale(tx: Tx, purchase: PurchaseRecord) -> None:
    """Inside the purchase's transaction: one SOLD change per release the purchase sold from."""
    found = await tx.run(SALE_RELEASES, {"tracks": [line.track_key for line in purchase.lines]})
    albums = {row["track"]: row for row in found}
    units: dict[str, int] = defaultdict(int)
    gross: dict[str, Decimal] = defaultdict(Decimal)
    for line in purchase.lines:
        album = albums[line.track_key]["album"]
        units[album] += 1
        gross[album] += line.price
    by_album = {row["album"]: row for row in found}
    await record(tx, [
        {"kind": ChangeKind.SOLD.value, "releaseKey": key, "upc": by_album[key]["upc"],
         "labelKey": by_album[key]["label"], "fields": [], "purchaseKey": purchase.key,
         "territory": purchase.territory, "currency": purchase.currency, "units": units[key],
         "gross": format(gross[key], "f")}
        for key in sorted(units)
    ])


async def head(graph: Graph) -> tuple[int, int]:
    """(the newest committed change's number, the number pruned through); (0, 0) before any change."""
    row = (await graph.read(HEAD))[0]
    return int(row["head"]), int(row["prunedThrough"])


async def read_changes(graph: Graph, after: int | None, limit: int, scope: Scope) -> ChangePage:
    """Up to `limit` changes in scope after position `after` (None: the oldest kept), in commit order.

    ChangesPruned when changes after `after` are gone; UnknownPosition past the newest change.
    """
    newest, pruned = await head(graph)
    start = pruned if after is None else after
    if start < pruned:
        raise ChangesPruned(pruned)
    if start > newest:
        raise UnknownPosition(start)
    until = min(newest, start + SCAN)
    rows = await graph.read(WINDOW, {"after": start, "until": until}) if until > start else []
    through = start
    out: list[dict[str, Any]] = []
    settled = datetime.now(UTC) - GAP_SETTLE
    for found in rows:
        row = found["row"]
        if row["seq"] != through + 1 and row["at"] > settled:
            break  # a number before this one may not be visible to this read yet: stop before it
        if scope.admits(row):
            if len(out) == limit:
                break
            out.append(row)
        through = row["seq"]
    return ChangePage(out, through, through < newest)


async def prune(graph: Graph, before: datetime) -> int:
    """Delete the changes recorded before `before`, oldest first; returns how many."""
    deleted = 0
    while True:
        _, pruned = await head(graph)
        rows = await graph.read(OLDEST, {"after": pruned, "limit": PRUNE_BATCH})
        through = pruned
        for row in rows:
            if row["at"] >= before:
                break
            through = row["seq"]
        if through == pruned:
            return deleted
        await graph.write(PRUNE, {"after": pruned, "through": through})
        deleted += through - pruned
