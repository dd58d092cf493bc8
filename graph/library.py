"""A customer's library (the tracks they own, in which formats, since when) and batched ownership reads.

A track is owned in a format when any of the customer's purchase lines sold it to them in that format
(bought alone, with its album, as an upgrade or an album completion). Reads only: the rules applied
when buying live in `graph.ownership`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.catalog import Page
from graph.driver import Cypher, Graph

# Newest first (by when each track was first bought), ties by track key descending; backward
# (`last`), oldest first from the end or `before`. The customer's lines are aggregated per track
# before paging: the work is bounded by what that customer bought, not by the catalog.
_LIBRARY_PAGE = """
    UNWIND $requests AS req
    CALL (req) {
      MATCH (:Customer {key: req.customer})-[:MADE]->(p:Purchase)-[l:LINE]->(t:Track)
      WHERE (req.format IS NULL OR l.format = req.format)
        AND (req.album IS NULL OR EXISTS { (t)-[:ON_ALBUM]->(:Album {key: req.album}) })
      WITH t, l.format AS format, min(p.purchasedAt) AS at
      ORDER BY format
      WITH t, collect({format: format, purchasedAt: at}) AS formats, min(at).epochMillis AS v
      WHERE (req.after IS NULL OR v < req.after.v OR (v = req.after.v AND t.key < req.after.k))
        AND (req.before IS NULL OR v > req.before.v OR (v = req.before.v AND t.key > req.before.k))
      WITH t, formats, v ORDER BY v {direction}, t.key {direction}
      LIMIT $limit
      RETURN collect({row: {key: t.key, formats: formats}, v: v}) AS page
    }
    RETURN req.id AS id, page
"""
LIBRARY_PAGE = Cypher("library_page", _LIBRARY_PAGE.replace("{direction}", "DESC"))
LIBRARY_PAGE_BACKWARD = Cypher("library_page", _LIBRARY_PAGE.replace("{direction}", "ASC"))
LIBRARY_COUNTS = Cypher(
    "library_counts",
    """
    UNWIND $requests AS req
    CALL (req) {
      OPTIONAL MATCH (:Customer {key: req.customer})-[:MADE]->(:Purchase)-[l:LINE]->(t:Track)
      WHERE (req.format IS NULL OR l.format = req.format)
        AND (req.album IS NULL OR EXISTS { (t)-[:ON_ALBUM]->(:Album {key: req.album}) })
      RETURN count(DISTINCT t) AS total
    }
    RETURN req.id AS id, total
    """,
)
# Per customer: the formats owned of the tracks asked about and of the albums' tracks, and which
# tracks each album sells (those with offers), so album ownership needs no second query.
OWNERSHIP = Cypher(
    "ownership",
    """
    UNWIND $requests AS req
    CALL (req) {
      OPTIONAL MATCH (:Customer {key: req.customer})-[:MADE]->(:Purchase)-[l:LINE]->(t:Track)
      WHERE t.key IN req.tracks OR EXISTS { (t)-[:ON_ALBUM]->(a:Album) WHERE a.key IN req.albums }
      WITH t.key AS track, collect(DISTINCT l.format) AS formats
      WHERE track IS NOT NULL
      RETURN collect({track: track, formats: formats}) AS owned
    }
    CALL (req) {
      UNWIND req.albums AS k
      OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(:Album {key: k})
      WHERE size(coalesce(t.offerFormats, [])) > 0
      RETURN collect({album: k, track: t.key}) AS sold
    }
    RETURN req.customer AS customer, owned, sold
    """,
)


@dataclass(frozen=True, slots=True)
class LibraryFilter:
    """Only tracks owned in `format`, or only those of `album` (either may be None)."""

    format: str | None = None
    album: str | None = None


@dataclass(frozen=True, slots=True)
class LibraryPageRequest:
    """One page of one customer's library, newest first (backward: nearest `before` or the end, oldest first)."""

    customer: str
    filter: LibraryFilter
    after: tuple[int, str] | None
    limit: int
    before: tuple[int, str] | None = None
    backward: bool = False


@dataclass(frozen=True, slots=True)
class OwnershipRequest:
    """Does `customer` own the Track or Album `key` (`kind` is "Track" or "Album")?"""

    customer: str
    kind: str
    key: str


@dataclass(frozen=True, slots=True)
class Ownership:
    """For a track: the formats owned. For an album: how many of the tracks it sells are owned, of how many."""

    formats: tuple[str, ...] = ()
    owned: int = 0
    total: int = 0


def _cursor(cursor: tuple[int, str] | None) -> dict[str, Any] | None:
    return {"v": cursor[0], "k": cursor[1]} if cursor else None


def _filter(f: LibraryFilter) -> dict[str, Any]:
    return {"format": f.format, "album": f.album}


async def library_pages(graph: Graph, requests: Sequence[LibraryPageRequest]) -> list[Page]:
    """Many customers' library pages, one query per distinct page size and direction."""
    groups: dict[tuple[int, bool], list[int]] = {}
    for i, req in enumerate(requests):
        groups.setdefault((req.limit, req.backward), []).append(i)
    out = [Page([], []) for _ in requests]
    for (limit, backward), indexes in groups.items():
        params = [{"id": i, "customer": requests[i].customer, "after": _cursor(requests[i].after),
                   "before": _cursor(requests[i].before), **_filter(requests[i].filter)} for i in indexes]
        query = LIBRARY_PAGE_BACKWARD if backward else LIBRARY_PAGE
        for rec in await graph.read(query, {"requests": params, "limit": limit}):
            out[rec["id"]] = Page([p["row"] for p in rec["page"]], [p["v"] for p in rec["page"]])
    return out


async def library_counts(graph: Graph, requests: Sequence[tuple[str, LibraryFilter]]) -> list[int]:
    """How many tracks each customer owns under each filter."""
    params = [{"id": i, "customer": c, **_filter(f)} for i, (c, f) in enumerate(requests)]
    found = {r["id"]: int(r["total"]) for r in await graph.read(LIBRARY_COUNTS, {"requests": params})}
    return [found.get(i, 0) for i in range(len(requests))]


async def ownerships(graph: Graph, requests: Sequence[OwnershipRequest]) -> list[Ownership]:
    """What each customer owns of each track or album asked about, in one query."""
    asked: dict[str, dict[str, set[str]]] = {}
    for req in requests:
        asked.setdefault(req.customer, {"Track": set(), "Album": set()})[req.kind].add(req.key)
    params = [{"customer": c, "tracks": sorted(k["Track"]), "albums": sorted(k["Album"])} for c, k in asked.items()]
    owned: dict[tuple[str, str], tuple[str, ...]] = {}
    sold: dict[tuple[str, str], list[str]] = {}
    for rec in await graph.read(OWNERSHIP, {"requests": params}):
        for row in rec["owned"]:
            owned[rec["customer"], row["track"]] = tuple(sorted(row["formats"]))
        for row in rec["sold"]:
            tracks = sold.setdefault((rec["customer"], row["album"]), [])
            if row["track"] is not None:
                tracks.append(row["track"])
    out: list[Ownership] = []
    for req in requests:
        if req.kind == "Track":
            out.append(Ownership(formats=owned.get((req.customer, req.key), ())))
        else:
            tracks = sold.get((req.customer, req.key), [])
            have = sum(1 for t in tracks if (req.customer, t) in owned)
            out.append(Ownership(owned=have, total=len(tracks)))
    return out
