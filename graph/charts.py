"""Bestseller charts: units sold per track, everywhere or by territory, genre and time window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from graph import territory_sales
from graph.catalog import TRACK_MAP, Row
from graph.driver import Cypher, Graph
from graph.pages import tracks_of, walk_choice

# A chart's text is assembled from constant fragments chosen by WHICH of territory, genre and
# window are set (never by their values), so each shape gets its own plan and index.
_CHART_FINISH = f"""
    MATCH (t)-[:ON_ALBUM]->(a:Album)
    RETURN units, {TRACK_MAP} AS row
    ORDER BY units DESC, t.title, t.key
"""
# All time, everywhere: units sold are kept in Track.popularity (the purchase write path adds
# every line to it), so the popularity index gives the top without reading any purchase. The
# limit-th best sets the floor; every track at or above it competes on title for the ties.
_ALL_TIME = """
    MATCH (t:Track) WHERE t.popularity >= 1
    WITH t ORDER BY t.popularity DESC LIMIT $limit
    WITH min(t.popularity) AS floor
    MATCH (t:Track) WHERE t.popularity >= floor
    WITH t, t.popularity AS units ORDER BY units DESC, t.title, t.key LIMIT $limit
"""

# Within a genre: expand a small one, walk the popularity index for a big one (as catalog
# pages under one parent choose; the branch not chosen has a null seek bound and reads nothing).
_ALL_TIME_GENRE = f"""
    MATCH (g:Genre {{key: $genre}})
    {walk_choice("g", "<-[:IN_GENRE]-", "Track", tracks_of("g", "IN_GENRE", "ALBUM_IN_GENRE"))}
    CALL (g, walk) {{
      WITH g WHERE NOT walk
      UNWIND [(g)<-[:IN_GENRE]-(x:Track) WHERE x.popularity >= 1 | x] AS t
      RETURN t ORDER BY t.popularity DESC, t.title, t.key LIMIT $limit
      UNION ALL
      MATCH (g)<-[:IN_GENRE]-(t:Track) USING INDEX t:Track(popularity)
      WHERE t.popularity >= CASE WHEN walk THEN 1 END
      RETURN t ORDER BY t.popularity DESC, t.title, t.key LIMIT $limit
    }}
    WITH t, t.popularity AS units ORDER BY units DESC, t.title, t.key
"""

_PURCHASE_CONDITIONS = {
    "territory": "p.territory = $territory",
    "since": "p.purchasedAt >= $since",
    "until": "p.purchasedAt < $until",
}

# Lines counted per track, then the top $limit by units, title and key. A Top keeps only $limit
# rows; collecting every track sold to rank them first needed over 2.8 GiB of transaction memory
# for one territory at 5M purchased tracks (Neo4j refused it), reading titles costs far less.
_FROM_LINES = """
    MATCH (p:Purchase) WHERE {conditions}
    MATCH (p)-[:LINE]->(t)
    WITH t, count(*) AS units
    {genre}
    WITH t, units ORDER BY units DESC, t.title, t.key LIMIT $limit
"""

_GENRE_CONDITION = "WHERE EXISTS { (t)-[:IN_GENRE]->(:Genre {key: $genre}) }"


@lru_cache(maxsize=16)
def chart_query(territory: bool, genre: bool, since: bool, until: bool) -> Cypher:
    """The bestsellers query of one shape: which of territory, genre, since and until are set."""
    if not (territory or since or until):
        return Cypher("bestsellers", (_ALL_TIME_GENRE if genre else _ALL_TIME) + _CHART_FINISH)
    if territory and not (genre or since or until):
        return Cypher("bestsellers", territory_sales.TERRITORY_TOP + _CHART_FINISH)
    chosen = {"territory": territory, "since": since, "until": until}
    conditions = [_PURCHASE_CONDITIONS[k] for k, on in chosen.items() if on]
    if not (since or until):
        # Every purchase has its time: saying so lets the (territory, purchasedAt) index serve.
        conditions.append("p.purchasedAt IS NOT NULL")
    lines = _FROM_LINES.format(conditions=" AND ".join(conditions), genre=_GENRE_CONDITION if genre else "")
    return Cypher("bestsellers", lines + _CHART_FINISH)


@dataclass(frozen=True, slots=True)
class ChartRow:
    """A track's row and the units it sold in the chart's window."""

    units: int
    row: Row


async def bestsellers(
    graph: Graph,
    territory: str | None,
    genre: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[ChartRow]:
    """Tracks by units sold in [since, until), best first; ties by title, then key."""
    params: dict[str, Any] = {
        "territory": territory, "genre": genre, "since": since, "until": until, "limit": limit,
    }
    query = chart_query(territory is not None, genre is not None, since is not None, until is not None)
    return [ChartRow(int(r["units"]), r["row"]) for r in await graph.read(query, params)]
