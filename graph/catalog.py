"""Named, batched catalog reads: nodes by key, their children, and keyset-paged lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.driver import Cypher, Graph

Row = dict[str, Any]

# Every read of a node returns the same map shape, so any loader can prime another.
ALBUM_MAP = "a{.*, labelKey: [(a)-[:RELEASED_BY]->(l:Label) | l.key][0]}"
TRACK_MAP = "t{.*, albumKey: a.key, genreKey: [(t)-[:IN_GENRE]->(g:Genre) | g.key][0]}"

ARTISTS_BY_KEYS = Cypher(
    "artists_by_keys", "UNWIND $keys AS k MATCH (n:Artist {key: k}) RETURN k AS key, n{.*} AS row"
)
ALBUMS_BY_KEYS = Cypher(
    "albums_by_keys",
    f"UNWIND $keys AS k MATCH (a:Album {{key: k}}) RETURN k AS key, {ALBUM_MAP} AS row",
)
TRACKS_BY_KEYS = Cypher(
    "tracks_by_keys",
    f"UNWIND $keys AS k MATCH (t:Track {{key: k}})-[:ON_ALBUM]->(a:Album) "
    f"RETURN k AS key, {TRACK_MAP} AS row",
)
GENRES_BY_KEYS = Cypher(
    "genres_by_keys", "UNWIND $keys AS k MATCH (n:Genre {key: k}) RETURN k AS key, n{.*} AS row"
)
LABELS_BY_KEYS = Cypher(
    "labels_by_keys", "UNWIND $keys AS k MATCH (n:Label {key: k}) RETURN k AS key, n{.*} AS row"
)
ALL_GENRES = Cypher("all_genres", "MATCH (n:Genre) RETURN n{.*} AS row ORDER BY n.name, n.key")

ALBUM_TRACKS = Cypher(
    "album_tracks",
    f"""
    UNWIND $keys AS k
    MATCH (t:Track)-[:ON_ALBUM]->(a:Album {{key: k}})
    WITH k, a, t ORDER BY t.discNumber, t.trackNumber, t.key
    RETURN k AS key, collect({TRACK_MAP}) AS rows
    """,
)
ALBUM_ARTISTS = Cypher(
    "album_artists",
    """
    UNWIND $keys AS k
    MATCH (:Album {key: k})-[b:BY]->(n:Artist)
    WITH k, n, b ORDER BY b.position
    RETURN k AS key, collect(n{.*}) AS rows
    """,
)
TRACK_ARTISTS = Cypher(
    "track_artists",
    """
    UNWIND $keys AS k
    MATCH (:Track {key: k})-[b:BY]->(n:Artist)
    WITH k, n, b ORDER BY b.position
    RETURN k AS key, collect(n{.*}) AS rows
    """,
)
ALBUM_GENRES = Cypher(
    "album_genres",
    """
    UNWIND $keys AS k
    MATCH (:Album {key: k})-[r:IN_GENRE]->(n:Genre)
    WITH k, n, r ORDER BY r.position
    RETURN k AS key, collect(n{.*}) AS rows
    """,
)


async def rows_by_key(graph: Graph, query: Cypher, keys: Sequence[str]) -> list[Row | None]:
    """One row per key, in the keys' order, None where there is no such node."""
    found = {r["key"]: r["row"] for r in await graph.read(query, {"keys": list(set(keys))})}
    return [found.get(k) for k in keys]


async def children_by_key(graph: Graph, query: Cypher, keys: Sequence[str]) -> list[list[Row]]:
    """The ordered child rows of each key, in the keys' order."""
    found = {r["key"]: r["rows"] for r in await graph.read(query, {"keys": list(set(keys))})}
    return [found.get(k, []) for k in keys]


async def all_genres(graph: Graph) -> list[Row]:
    """Every genre, by name."""
    return [r["row"] for r in await graph.read(ALL_GENRES)]


# --- keyset-paged lists ------------------------------------------------------------------
# A list query answers many requests at once (UNWIND $requests), so a connection nested in a
# list (every artist's albums) is one query. Each request: f (filter map), after ({v, k} or
# null) and limit. Sort keys are fixed fragments chosen by enum, never text from a client.

LICENSED = (
    "(('*' IN a.territories OR {t} IN a.territories)"
    " AND (a.rightsStart IS NULL OR a.rightsStart <= date())"
    " AND (a.rightsEnd IS NULL OR date() < a.rightsEnd))"
)
NO_DATE = "date('0001-01-01')"

ARTIST_WHERE = """
  (req.f.name IS NULL OR n.name = req.f.name)
  AND (req.f.nameContains IS NULL OR toLower(n.name) CONTAINS toLower(req.f.nameContains))
"""
ALBUM_WHERE = f"""
  (req.f.title IS NULL OR a.title = req.f.title)
  AND (req.f.titleContains IS NULL OR toLower(a.title) CONTAINS toLower(req.f.titleContains))
  AND (req.f.artist IS NULL OR EXISTS {{ (a)-[:BY]->(:Artist {{key: req.f.artist}}) }})
  AND (req.f.genre IS NULL OR EXISTS {{ (a)-[:IN_GENRE]->(:Genre {{key: req.f.genre}}) }})
  AND (req.f.label IS NULL OR EXISTS {{ (a)-[:RELEASED_BY]->(:Label {{key: req.f.label}}) }})
  AND (req.f.releasedAfter IS NULL OR a.releaseDate > req.f.releasedAfter)
  AND (req.f.releasedBefore IS NULL OR a.releaseDate < req.f.releasedBefore)
  AND (req.f.releasedSince IS NULL OR a.releaseDate >= req.f.releasedSince)
  AND (req.f.releasedUntil IS NULL OR a.releaseDate <= req.f.releasedUntil)
  AND (req.f.territory IS NULL OR {LICENSED.format(t="req.f.territory")})
"""
TRACK_WHERE = f"""
  (req.f.title IS NULL OR t.title = req.f.title)
  AND (req.f.titleContains IS NULL OR toLower(t.title) CONTAINS toLower(req.f.titleContains))
  AND (req.f.artist IS NULL OR EXISTS {{ (t)-[:BY]->(:Artist {{key: req.f.artist}}) }})
  AND (req.f.album IS NULL OR a.key = req.f.album)
  AND (req.f.genre IS NULL OR EXISTS {{ (t)-[:IN_GENRE]->(:Genre {{key: req.f.genre}}) }})
  AND (req.f.isrc IS NULL OR t.isrc = req.f.isrc)
  AND (req.f.minDurationMs IS NULL OR t.durationMs >= req.f.minDurationMs)
  AND (req.f.maxDurationMs IS NULL OR t.durationMs <= req.f.maxDurationMs)
  AND (req.f.territory IS NULL OR {LICENSED.format(t="req.f.territory")})
"""


@dataclass(frozen=True, slots=True)
class Entity:
    """How one kind of node is listed: its match per scope, filter, map and sort keys."""

    name: str
    scopes: Mapping[str, str]
    where: str
    var: str
    row_map: str
    sorts: Mapping[str, str]


ARTIST = Entity(
    "artists",
    {"all": "MATCH (n:Artist)"},
    ARTIST_WHERE,
    "n",
    "n{.*}",
    {"NAME": "n.name", "POPULARITY": "coalesce(n.popularity, 0)"},
)
ALBUM = Entity(
    "albums",
    {
        "all": "MATCH (a:Album)",
        "artist": "MATCH (:Artist {key: req.f.artist})<-[:BY]-(a:Album)",
        "genre": "MATCH (:Genre {key: req.f.genre})<-[:IN_GENRE]-(a:Album)",
        "label": "MATCH (:Label {key: req.f.label})<-[:RELEASED_BY]-(a:Album)",
    },
    ALBUM_WHERE,
    "a",
    ALBUM_MAP,
    {
        "TITLE": "a.title",
        "RELEASE_DATE": f"coalesce(a.releaseDate, {NO_DATE})",
        "POPULARITY": "coalesce(a.popularity, 0)",
    },
)
TRACK = Entity(
    "tracks",
    {
        "all": "MATCH (t:Track)-[:ON_ALBUM]->(a:Album)",
        "album": "MATCH (t:Track)-[:ON_ALBUM]->(a:Album {key: req.f.album})",
        "artist": "MATCH (:Artist {key: req.f.artist})<-[:BY]-(t:Track)-[:ON_ALBUM]->(a:Album)",
        "genre": "MATCH (:Genre {key: req.f.genre})<-[:IN_GENRE]-(t:Track)-[:ON_ALBUM]->(a:Album)",
    },
    TRACK_WHERE,
    "t",
    TRACK_MAP,
    {"TITLE": "t.title", "DURATION": "t.durationMs", "POPULARITY": "coalesce(t.popularity, 0)"},
)


def _page_query(entity: Entity, scope: str, sort: str, descending: bool) -> Cypher:
    v = entity.var
    after = "sortValue < req.after.v" if descending else "sortValue > req.after.v"
    direction = "DESC" if descending else "ASC"
    text = f"""
    UNWIND $requests AS req
    CALL (req) {{
      {entity.scopes[scope]}
      WHERE {entity.where}
      WITH {"a, t" if entity is TRACK else v}, {entity.sorts[sort]} AS sortValue
      WHERE req.after IS NULL OR {after}
            OR (sortValue = req.after.v AND {v}.key > req.after.k)
      WITH {"a, t" if entity is TRACK else v}, sortValue
      ORDER BY sortValue {direction}, {v}.key ASC
      LIMIT $limit
      RETURN collect({{row: {entity.row_map}, v: sortValue}}) AS page
    }}
    RETURN req.id AS id, page
    """
    return Cypher(f"{entity.name}_page", text)


def _count_query(entity: Entity, scope: str) -> Cypher:
    text = f"""
    UNWIND $requests AS req
    CALL (req) {{
      {entity.scopes[scope]}
      WHERE {entity.where}
      RETURN count(*) AS total
    }}
    RETURN req.id AS id, total
    """
    return Cypher(f"{entity.name}_count", text)


PAGE_QUERIES = {
    (e.name, scope, sort, desc): _page_query(e, scope, sort, desc)
    for e in (ARTIST, ALBUM, TRACK)
    for scope in e.scopes
    for sort in e.sorts
    for desc in (False, True)
}
COUNT_QUERIES = {(e.name, scope): _count_query(e, scope) for e in (ARTIST, ALBUM, TRACK) for scope in e.scopes}
ENTITIES = {e.name: e for e in (ARTIST, ALBUM, TRACK)}


def scope_of(entity: str, f: Mapping[str, Any]) -> str:
    """The narrowest starting point the filter allows (a parent node beats a label scan)."""
    for scope in ENTITIES[entity].scopes:
        if scope != "all" and f.get(scope) is not None:
            return scope
    return "all"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page of one list: filter, order, cursor position and size."""

    entity: str
    filter: Mapping[str, Any]
    sort: str
    descending: bool
    after: tuple[Any, str] | None
    limit: int

    def group(self) -> tuple[str, str, str, bool, int]:
        """Requests of one group share a query text and a LIMIT (Cypher wants it constant)."""
        return (self.entity, scope_of(self.entity, self.filter), self.sort, self.descending, self.limit)

    def params(self, ident: int) -> dict[str, Any]:
        """This request as a map of the UNWIND list."""
        after = {"v": self.after[0], "k": self.after[1]} if self.after else None
        return {"id": ident, "f": dict(self.filter), "after": after}


@dataclass(frozen=True, slots=True)
class Page:
    """Rows of one page with each row's sort value (for cursors)."""

    rows: list[Row]
    values: list[Any]


async def pages(graph: Graph, requests: Sequence[PageRequest]) -> list[Page]:
    """Answer many page requests with one query per distinct (entity, scope, order, size)."""
    groups: dict[tuple[str, str, str, bool, int], list[int]] = {}
    for i, req in enumerate(requests):
        groups.setdefault(req.group(), []).append(i)
    out: list[Page] = [Page([], []) for _ in requests]
    for (entity, scope, sort, desc, limit), indexes in groups.items():
        params = [requests[i].params(i) for i in indexes]
        query = PAGE_QUERIES[(entity, scope, sort, desc)]
        rows = await graph.read(query, {"requests": params, "limit": limit})
        for rec in rows:
            page = rec["page"]
            out[rec["id"]] = Page([p["row"] for p in page], [p["v"] for p in page])
    return out


async def counts(graph: Graph, requests: Sequence[tuple[str, Mapping[str, Any]]]) -> list[int]:
    """totalCount of many (entity, filter) lists, one query per distinct (entity, scope)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (entity, f) in enumerate(requests):
        groups.setdefault((entity, scope_of(entity, f)), []).append(i)
    out = [0] * len(requests)
    for group, indexes in groups.items():
        params = [{"id": i, "f": dict(requests[i][1])} for i in indexes]
        for rec in await graph.read(COUNT_QUERIES[group], {"requests": params}):
            out[rec["id"]] = int(rec["total"])
    return out
