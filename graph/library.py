"""A customer's library (the tracks they own, in which formats, since when) and batched ownership reads.

A track is owned in a format when any of the customer's purchase lines sold it to them in that format
(bought alone, with its album, as an upgrade or an album completion). Reads only: the rules applied
when buying live in `graph.ownership`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.driver import Cypher, Graph
from graph.pages import Page, customer_pages

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
# Per (customer, album): the formats owned of the album's tracks, and which tracks it sells (those
# with offers). Tracks are asked about through their album, so an album and its tracks (the usual
# storefront page) cost this one query together.
OWNERSHIP = Cypher(
    "ownership",
    """
    UNWIND $requests AS req
    MATCH (a:Album {key: req.album})
    CALL (a, req) {
      OPTIONAL MATCH (:Customer {key: req.customer})-[:MADE]->(:Purchase)-[l:LINE]->(t:Track)-[:ON_ALBUM]->(a)
      WITH t.key AS track, collect(DISTINCT l.format) AS formats
      WHERE track IS NOT NULL
      RETURN collect({track: track, formats: formats}) AS owned
    }
    CALL (a) {
      OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a)
      WHERE size(coalesce(t.offerFormats, [])) > 0
      RETURN collect(t.key) AS sold
    }
    RETURN req.customer AS customer, req.album AS album, owned, sold
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
class Ownership:
    """What a customer owns of one album's tracks: the formats of each track owned, and the tracks it sells."""

    owned: Mapping[str, tuple[str, ...]]
    sold: tuple[str, ...] = ()

    def formats(self, track: str) -> tuple[str, ...]:
        """The formats `track` (of this album) is owned in, by name."""
        return self.owned.get(track, ())

    def counts(self) -> tuple[int, int]:
        """(tracks sold that are owned, tracks sold)."""
        return sum(1 for t in self.sold if t in self.owned), len(self.sold)


def _filter(f: LibraryFilter) -> dict[str, Any]:
    return {"format": f.format, "album": f.album}


async def library_pages(graph: Graph, requests: Sequence[LibraryPageRequest]) -> list[Page]:
    """Many customers' library pages, one query per distinct page size and direction."""
    return await customer_pages(graph, requests, (LIBRARY_PAGE, LIBRARY_PAGE_BACKWARD), lambda r: _filter(r.filter))


async def library_counts(graph: Graph, requests: Sequence[tuple[str, LibraryFilter]]) -> list[int]:
    """How many tracks each customer owns under each filter."""
    params = [{"id": i, "customer": c, **_filter(f)} for i, (c, f) in enumerate(requests)]
    found = {r["id"]: int(r["total"]) for r in await graph.read(LIBRARY_COUNTS, {"requests": params})}
    return [found.get(i, 0) for i in range(len(requests))]


async def ownerships(graph: Graph, requests: Sequence[tuple[str, str]]) -> list[Ownership]:
    """What each (customer, album) customer owns of that album's tracks, in one query."""
    params = [{"customer": c, "album": a} for c, a in dict.fromkeys(requests)]
    found = {
        (rec["customer"], rec["album"]): Ownership(
            {row["track"]: tuple(sorted(row["formats"])) for row in rec["owned"]}, tuple(rec["sold"])
        )
        for rec in await graph.read(OWNERSHIP, {"requests": params})
    }
    return [found.get(req, Ownership({})) for req in requests]
