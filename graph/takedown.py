"""Takedowns: ending a stored release's sale without re-delivering it (a DDEX PurgeReleaseMessage).

The album's `rightsEnd` becomes the takedown date (or stays, when it already ended earlier),
and its content hash is cleared, so that a later delivery of the release is never mistaken for
an unchanged one and puts it back on sale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph import catalog_version, changes
from graph.driver import Cypher, Graph, Tx
from graph.release_fields import ChangeKind

END_SALE = Cypher(
    "end_sale",
    """
    OPTIONAL MATCH (a:Album {key: $key})
    WITH a, a IS NOT NULL AND (a.rightsEnd IS NULL OR a.rightsEnd > $end) AS ending
    CALL (a, ending) {
      WITH a WHERE ending
      SET a.rightsEnd = $end, a.contentHash = null
    }
    OPTIONAL MATCH (a)-[:RELEASED_BY]->(l:Label)
    RETURN a IS NOT NULL AS found, ending, a.key AS key, a.upc AS upc, l {.key} AS label
    """,
)


@dataclass(frozen=True, slots=True)
class Takedown:
    """What a takedown did: whether the release was stored, and whether its sale ended now."""

    found: bool
    ended: bool


async def take_down(graph: Graph, key: str, end: date) -> Takedown:
    """End the sale of the release `key` on `end` (the first day off sale), in one transaction."""

    async def work(tx: Tx) -> Takedown:
        row = (await tx.run(END_SALE, {"key": key, "end": end}))[0]
        if row["ending"]:
            await tx.run(catalog_version.BUMP, {})
            # The change feed's outbox, in the same transaction: partners see the purge as a takedown.
            await changes.record(tx, [changes.release_change(ChangeKind.TAKEN_DOWN, row, ["rightsEnd"])])
        return Takedown(bool(row["found"]), bool(row["ending"]))

    return await graph.transaction(work)
