"""ALBUM_BY: an album's artist credits under a type of their own, beside BY (which tracks share).

An artist's BY relationships hold its albums and its tracks alike, so listing its albums read
every track credit first (thousands for a prolific artist; "Various Artists" at ten million
tracks: 50,807 albums). ALBUM_BY links albums alone: an artist's albums are its ALBUM_BY, their
count is that relationship's degree (O(1)), and its tracks are BY less ALBUM_BY. The write path
(`graph.upsert`) writes both; albums stored before ALBUM_BY get it once here.
"""

from __future__ import annotations

from graph import migrations
from graph.driver import Cypher, Graph

MIGRATION = "album-credits-1"
BATCH = 10_000

# A page of albums in key order (the constraint's index), so each batch costs its own albums:
# MERGE, because two processes starting at once may both be backfilling.
_LINK = Cypher(
    "album_credits_link",
    """
    MATCH (a:Album) WHERE a.key > $after
    WITH a ORDER BY a.key LIMIT $batch
    CALL (a) {
      MATCH (a)-[:BY]->(x:Artist)
      MERGE (a)-[:ALBUM_BY]->(x)
    }
    RETURN max(a.key) AS last, count(a) AS albums
    """,
)


async def backfill(graph: Graph, marker: str = MIGRATION) -> int:
    """Link every album stored before ALBUM_BY to its artists (once); how many albums were read."""
    if await migrations.done(graph, marker):
        return 0
    after, read = "", 0
    while True:
        row = (await graph.write(_LINK, {"after": after, "batch": BATCH}))[0]
        if not row["albums"]:
            break
        after, read = row["last"], read + int(row["albums"])
    await migrations.mark(graph, marker)
    return read
