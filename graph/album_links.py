"""ALBUM_BY and ALBUM_IN_GENRE: an album's artist credits and genres under types of their own.

An artist's BY relationships hold its albums and its tracks alike, and so do a genre's IN_GENRE,
so listing an artist's or a genre's albums read every track link first (thousands for a prolific
artist or a big genre; "Various Artists" at ten million tracks: 50,807 albums). ALBUM_BY and
ALBUM_IN_GENRE link albums alone, beside BY and IN_GENRE: a parent's albums are those, their count
is that relationship's degree (O(1)), and its tracks are the shared type's degree less it. The
write path (`graph.upsert`) writes both; albums stored before get them once here.
"""

from __future__ import annotations

from graph import migrations
from graph.driver import Cypher, Graph

MIGRATION = "album-links-1"
BATCH = 10_000

# A page of albums in key order (the constraint's index), so each batch costs its own albums:
# MERGE, because two processes starting at once may both be backfilling.
_LINK = Cypher(
    "album_links_link",
    """
    MATCH (a:Album) WHERE a.key > $after
    WITH a ORDER BY a.key LIMIT $batch
    CALL (a) {
      MATCH (a)-[:BY]->(x:Artist)
      MERGE (a)-[:ALBUM_BY]->(x)
    }
    CALL (a) {
      MATCH (a)-[:IN_GENRE]->(g:Genre)
      MERGE (a)-[:ALBUM_IN_GENRE]->(g)
    }
    RETURN max(a.key) AS last, count(a) AS albums
    """,
)


async def backfill(graph: Graph, marker: str = MIGRATION) -> int:
    """Link every album stored before ALBUM_BY and ALBUM_IN_GENRE to its artists and genres (once); albums read."""
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
