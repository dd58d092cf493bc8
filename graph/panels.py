"""The reads of a recommendation panel: one for its inputs (taste), one for what it shows (rows).

A panel's first read brings everything the ranking needs besides the model: the customer and what
they own (newest first), or the seeds with albums expanded to their tracks; the catalog neighbours
of the first few inputs, for the cold-start blend; and the catalog version, so the in-memory sale
index can tell it is stale. Its second read brings the track and album rows of what it shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from graph.catalog import ALBUM_MAP, TRACK_MAP, Row
from graph.driver import Cypher, Graph
from graph.purchase_history import CustomerRow

NEIGHBOUR_SEEDS = 5
"""Catalog neighbours are looked up for this many inputs (a customer's most recent purchases)."""
NEIGHBOURS_PER_SEED = 10
LABEL_WALK = 2_000
"""A label with more albums than this has its recent ones found by walking the release-date index newest
first (each album checked for the label) rather than by reading all of its albums: at a million tracks
one label held 36,000."""
ARTIST_ALBUMS = 50
"""An artist of many albums has only its newest this many (and any released the same day as the last) read
for kin: more than the ten tracks a seed keeps hold, where reading all of them cost one at a million
tracks 1.3 s (a compilation artist of 5,118 albums)."""
ARTIST_WALK = 4 * ARTIST_ALBUMS
"""An artist's newest albums are found by walking the release-date index (about ARTIST_ALBUMS x albums /
its albums entries) rather than by reading all of its albums, sorted, when its albums^2 exceed this times
the store's albums: at a million tracks, artists of over 4,470 albums ("Various Artists", 5,118: 18 ms
walked, 100-130 ms read whole); at ten million, over 14,100."""


def _newest_recent(member: str, keep: str) -> str:
    """Cypher binding `other` to the recent albums `member` admits, from the newest down to the release date of
    the seed's `need`-th track that `keep` keeps (ties kept), by walking the release-date index newest first."""
    return f"""COLLECT {{
              MATCH (other:Album) USING INDEX other:Album(releaseDate)
              WHERE other.releaseDate >= date() - duration('P60D') AND other <> a AND {member}
              WITH other ORDER BY other.releaseDate DESC
              MATCH (other)<-[:ON_ALBUM]-(t:Track) WHERE {keep}
              RETURN other.releaseDate AS released LIMIT $perSeed
            }}[need - 1] AS cutoff
            MATCH (other:Album) USING INDEX other:Album(releaseDate)
            WHERE other.releaseDate >= coalesce(cutoff, date() - duration('P60D')) AND other <> a AND {member}"""


# Label and genre neighbours are walked album by album (far fewer than tracks) and only to
# recent releases, so a big genre costs its recent albums, not its whole back catalog. A seed
# keeps its `perSeed` strongest, so a weaker kind is walked only while the stronger ones number
# fewer: most seeds have that many tracks on their album and their artist's others, and a big
# genre's recent albums (most of the work at a million tracks) are never read for them. The
# artist's albums are counted by degree, newest first, and only the newest ones whose tracks can
# rank (and any released the same day as the last of them) are read track by track.
_NEIGHBOURS = """
    CALL (seeds) {
      UNWIND seeds AS k
      CALL (k) {
        MATCH (seed:Track {key: k})-[:ON_ALBUM]->(a:Album)
        CALL (a) {
          RETURN a AS album
          UNION
          MATCH (a)-[:ALBUM_BY]->(x:Artist)
          WITH x, COUNT { (x)<-[:ALBUM_BY]-() } AS degree
          CALL (x, degree) {
            WITH x WHERE degree ^ 2 <= $artistWalk * COUNT { (:Album) }
            MATCH (x)<-[:ALBUM_BY]-(album) RETURN album
            UNION
            WITH x WHERE degree ^ 2 > $artistWalk * COUNT { (:Album) }
            WITH x, COLLECT {
              MATCH (o:Album) USING INDEX o:Album(releaseDateSort)
              WHERE o.releaseDateSort >= date('0001-01-01') AND (o)-[:ALBUM_BY]->(x)
              WITH o ORDER BY o.releaseDateSort DESC LIMIT $artistAlbums
              RETURN o
            } AS newest
            // and the others released the day the newest ones end (an equality seek reads that day only)
            UNWIND newest + COLLECT {
              MATCH (o:Album) USING INDEX o:Album(releaseDateSort)
              WHERE o.releaseDateSort = last(newest).releaseDateSort AND (o)-[:ALBUM_BY]->(x)
              RETURN o
            } AS album
            RETURN album
          }
          RETURN album
        }
        WITH seed, a, album, coalesce(album.releaseDate, date('0001-01-01')) AS released
        ORDER BY released DESC
        WITH seed, a, collect({album: album, released: released,
                               tracks: COUNT { (album)<-[:ON_ALBUM]-() }}) AS albums
        // needed: how many of the newest albums start before the seed's `perSeed` are reached
        WITH seed, a, albums, reduce(n = -1, x IN albums | n + x.tracks) AS kinCount,
             reduce(acc = [0, 0], x IN albums |
                    CASE WHEN acc[0] <= $perSeed THEN [acc[0] + x.tracks, acc[1] + 1] ELSE acc END)[1] AS needed
        CALL (seed, albums, needed) {
          UNWIND albums AS x
          WITH x.album AS album WHERE x.released >= albums[needed - 1].released
          MATCH (album)<-[:ON_ALBUM]-(t:Track) WHERE t <> seed
          RETURN collect(t) AS kin, collect(album) AS kinAlbums
        }
        CALL (a, kin, kinCount) {
          WITH a, kin, $perSeed - kinCount AS need WHERE need > 0
          WITH a, kin, need, head([(a)-[:RELEASED_BY]->(x:Label) | x]) AS l
          CALL (a, kin, need, l) {
            WITH a, kin, need, l WHERE COUNT { (l)<-[:RELEASED_BY]-() } > $labelWalk
            WITH a, kin, l, """ + _newest_recent("(other)-[:RELEASED_BY]->(l)", "NOT t IN kin") + """
            RETURN other
            UNION ALL
            WITH a, kin, need, l WHERE COUNT { (l)<-[:RELEASED_BY]-() } <= $labelWalk
            WITH kin, need, [(l)<-[:RELEASED_BY]-(other)
                             WHERE other <> a AND other.releaseDate >= date() - duration('P60D') | other] AS recent
            WITH kin, recent, COLLECT {
              UNWIND recent AS other
              WITH other ORDER BY other.releaseDate DESC
              MATCH (other)<-[:ON_ALBUM]-(t:Track) WHERE NOT t IN kin
              RETURN other.releaseDate AS released LIMIT $perSeed
            }[need - 1] AS cutoff
            UNWIND recent AS other
            WITH other WHERE cutoff IS NULL OR other.releaseDate >= cutoff
            RETURN other
          }
          MATCH (other)<-[:ON_ALBUM]-(t:Track) WHERE NOT t IN kin
          WITH DISTINCT t, other
          RETURN collect(t) AS label, collect(other) AS labelAlbums
        }
        CALL (a, kin, kinCount, label) {
          WITH a, kin, label, $perSeed - kinCount - size(label) AS need, [(a)-[:IN_GENRE]->(g:Genre) | g] AS genres
          WHERE need > 0
          WITH a, kin, label, genres, """ + _newest_recent(
              "EXISTS { (other)-[:IN_GENRE]->(x) WHERE x IN genres }", "NOT t IN kin AND NOT t IN label"
          ) + """
          MATCH (other)<-[:ON_ALBUM]-(t:Track) WHERE NOT t IN kin AND NOT t IN label
          WITH DISTINCT t, other
          RETURN collect(t) AS genre, collect(other) AS genreAlbums
        }
        // Each track with the album it was found on: expanding a track's ON_ALBUM again walks
        // all its relationships (its purchase lines) where it is not a dense node.
        UNWIND [i IN range(0, size(kin) - 1) | [kin[i], kinAlbums[i], 3]]
             + [i IN range(0, size(label) - 1) | [label[i], labelAlbums[i], 2]]
             + [i IN range(0, size(genre) - 1) | [genre[i], genreAlbums[i], 1]] AS found
        WITH found[0] AS t, found[1] AS ta, found[2] AS affinity
        ORDER BY affinity DESC, coalesce(ta.releaseDate, date('0001-01-01')) DESC,
                 coalesce(t.popularity, 0) DESC, t.key
        LIMIT $perSeed
        RETURN collect({key: t.key, affinity: affinity, albumKey: ta.key,
                        offers: size(coalesce(t.offerFormats, []))}) AS rows
      }
      RETURN collect({seed: k, rows: rows}) AS neighbours
    }
    OPTIONAL MATCH (v:CatalogVersion {key: 'catalog'})
"""
CUSTOMER_TASTES = Cypher(
    "customer_tastes",
    f"""
    UNWIND $keys AS key
    MATCH (n:Customer {{key: key}})
    WITH key, n, COUNT {{ (n)-[:MADE]->() }} AS purchases
    WITH key, n, purchases, coalesce($known[key] = purchases, false) AS known
    CALL (n, known) {{
      WITH n WHERE NOT known
      OPTIONAL MATCH (n)-[:MADE]->(p:Purchase)-[:LINE]->(t:Track)
      WITH t, max(p.purchasedAt) AS last ORDER BY last DESC, t.key
      RETURN collect(t.key) AS owned
    }}
    WITH key, n, purchases, owned, known, owned[0..$seeds] AS seeds
    {_NEIGHBOURS}
    RETURN key, n{{.key, .country}} AS customer, owned AS inputs, neighbours, known, purchases,
           coalesce(v.version, 0) AS catalog
    """,
)
SEED_TASTES = Cypher(
    "seed_tastes",
    f"""
    UNWIND range(0, size($baskets) - 1) AS key
    WITH key, $baskets[key] AS basket
    CALL (basket) {{
      UNWIND range(0, size(basket.albums) - 1) AS i
      MATCH (t:Track)-[:ON_ALBUM]->(:Album {{key: basket.albums[i]}})
      WITH i, t ORDER BY i, t.discNumber, t.trackNumber, t.key
      RETURN collect(t.key) AS expanded
    }}
    WITH key, basket.tracks + expanded AS inputs
    WITH key, inputs, inputs[0..$seeds] AS seeds
    {_NEIGHBOURS}
    RETURN key, null AS customer, inputs, neighbours, coalesce(v.version, 0) AS catalog
    """,
)
PANEL_ROWS = Cypher(
    "panel_rows",
    f"""
    UNWIND $keys AS k
    MATCH (t:Track {{key: k}})-[:ON_ALBUM]->(a:Album)
    RETURN k AS key, {TRACK_MAP} AS row, {ALBUM_MAP} AS album
    """,
)


class Neighbour(TypedDict):
    """A catalog neighbour of an input track: 3 same album or artist, 2 recent on its label, 1 in its genre."""

    key: str
    affinity: int
    albumKey: str
    offers: int


@dataclass(frozen=True, slots=True)
class Basket:
    """Seed track and album keys (a cart, a page being viewed)."""

    tracks: tuple[str, ...]
    albums: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taste:
    """What a panel ranks from: its input tracks, their catalog neighbours, the catalog version read."""

    customer: CustomerRow | None  # n{.key, .country}: the shape CUSTOMERS_BY_KEYS reads
    inputs: list[str]
    neighbours: dict[str, list[Neighbour]]
    catalog: int
    known: bool = False
    """Inputs and neighbours were left out: the caller holds them for this many purchases (`purchases`)."""
    purchases: int = 0
    """How many purchases the customer had made when read: purchases are only ever added, never changed, so
    this count tells exactly which tracks they own."""


@dataclass(frozen=True, slots=True)
class Shown:
    """A track a panel shows, with its album's row (both in the catalog loaders' shapes)."""

    row: Row
    album: Row


async def customer_tastes(
    graph: Graph, customers: Sequence[str], known: Mapping[str, int] | None = None
) -> list[Taste | None]:
    """Each customer's row and owned tracks (most recent first) with neighbours; None for no such customer.

    Owned tracks and neighbours are left out (`Taste.known`) for a customer who still has the number of
    purchases `known` gives: the caller holds them already, and the read costs a degree, not a history.
    """
    params = {"keys": list(customers), "known": dict(known or {}), **_limits()}
    rows = await graph.read(CUSTOMER_TASTES, params)
    found = {r["key"]: _taste(r) for r in rows}
    return [found.get(k) for k in customers]


async def seed_tastes(graph: Graph, baskets: Sequence[Basket]) -> list[Taste]:
    """Per basket: its tracks, then the tracks of its albums in album order (duplicates dropped), with neighbours."""
    params = [{"tracks": list(b.tracks), "albums": list(b.albums)} for b in baskets]
    rows = await graph.read(SEED_TASTES, {"baskets": params, **_limits()})
    found = {r["key"]: _taste(r) for r in rows}
    return [found[n] for n in range(len(baskets))]


async def shown(graph: Graph, track_keys: Sequence[str]) -> list[Shown | None]:
    """Track and album rows per track key, in the keys' order (None: no such track, or no album)."""
    rows = await graph.read(PANEL_ROWS, {"keys": list(set(track_keys))})
    found = {r["key"]: Shown(r["row"], r["album"]) for r in rows}
    return [found.get(k) for k in track_keys]


def _limits() -> dict[str, int]:
    return {"seeds": NEIGHBOUR_SEEDS, "perSeed": NEIGHBOURS_PER_SEED, "labelWalk": LABEL_WALK,
            "artistWalk": ARTIST_WALK, "artistAlbums": ARTIST_ALBUMS}


def _taste(row: dict[str, Any]) -> Taste:
    neighbours: dict[str, list[Neighbour]] = {}
    for entry in row["neighbours"]:
        neighbours.setdefault(entry["seed"], entry["rows"])
    return Taste(row["customer"], list(dict.fromkeys(row["inputs"])), neighbours, int(row["catalog"]),
                 bool(row.get("known")), int(row.get("purchases") or 0))
