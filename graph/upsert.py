"""The one write path for releases, customers and purchases (feed, Chinook, synthetic)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from graph.driver import Cypher, Graph, Tx
from graph.release import CustomerRecord, Offer, PurchaseRecord, Release
from graph.slug import slugify

EXISTING_ALBUMS = Cypher(
    "existing_albums",
    """
    UNWIND $keys AS k
    MATCH (a:Album {key: k})
    RETURN a.key AS key, a.contentHash AS hash
    """,
)

UPSERT_RELEASES = Cypher(
    "upsert_releases",
    """
    UNWIND $releases AS r
    MERGE (a:Album {key: r.key})
    ON CREATE SET a.popularity = 0
    SET a.title = r.title, a.upc = r.upc, a.type = r.type, a.releaseDate = r.releaseDate,
        a.currency = r.currency, a.territories = r.territories, a.rightsStart = r.rightsStart,
        a.rightsEnd = r.rightsEnd, a.royaltyRate = r.royaltyRate,
        a.offerFormats = r.offerFormats, a.offerPrices = r.offerPrices,
        a.trackCount = size(r.tracks), a.durationMs = r.durationMs, a.contentHash = r.hash
    WITH a, r
    CALL (a) {
      MATCH (a)-[old:BY|IN_GENRE|RELEASED_BY]->()
      DELETE old
    }
    CALL (a, r) {
      UNWIND r.artists AS ar
      MERGE (x:Artist {key: ar.key})
      ON CREATE SET x.popularity = 0
      SET x.name = ar.name
      MERGE (a)-[b:BY]->(x)
      SET b.position = ar.position
    }
    CALL (a, r) {
      UNWIND r.genres AS g
      MERGE (x:Genre {key: g.key})
      ON CREATE SET x.name = g.name
      MERGE (a)-[rel:IN_GENRE]->(x)
      SET rel.position = g.position
    }
    CALL (a, r) {
      WITH a, r WHERE r.label IS NOT NULL
      MERGE (x:Label {key: r.label.key})
      SET x.name = r.label.name
      MERGE (a)-[:RELEASED_BY]->(x)
    }
    CALL (a, r) {
      UNWIND r.tracks AS t
      MERGE (tr:Track {key: t.key})
      ON CREATE SET tr.popularity = 0
      SET tr.title = t.title, tr.isrc = t.isrc, tr.durationMs = t.durationMs,
          tr.discNumber = t.discNumber, tr.trackNumber = t.trackNumber, tr.composer = t.composer,
          tr.offerFormats = t.offerFormats, tr.offerPrices = t.offerPrices,
          tr.offerSizes = t.offerSizes
      MERGE (tr)-[:ON_ALBUM]->(a)
      WITH tr, t
      CALL (tr) {
        MATCH (tr)-[old:BY|IN_GENRE]->()
        DELETE old
      }
      CALL (tr, t) {
        UNWIND t.artists AS ar
        MERGE (x:Artist {key: ar.key})
        ON CREATE SET x.popularity = 0
        SET x.name = ar.name
        MERGE (tr)-[b:BY]->(x)
        SET b.position = ar.position
      }
      CALL (tr, t) {
        WITH tr, t WHERE t.genre IS NOT NULL
        MERGE (x:Genre {key: t.genre.key})
        ON CREATE SET x.name = t.genre.name
        MERGE (tr)-[:IN_GENRE]->(x)
      }
    }
    CALL (a, r) {
      MATCH (gone:Track)-[:ON_ALBUM]->(a)
      WHERE NOT gone.key IN [t IN r.tracks | t.key]
      SET gone.offerFormats = [], gone.offerPrices = [], gone.offerSizes = []
    }
    RETURN count(a) AS written
    """,
)

UPSERT_CUSTOMERS = Cypher(
    "upsert_customers",
    """
    UNWIND $customers AS c
    MERGE (x:Customer {key: c.key})
    SET x.country = c.country, x.name = c.name, x.email = c.email
    RETURN count(x) AS written
    """,
)

EXISTING_PURCHASES = Cypher(
    "existing_purchases",
    """
    UNWIND $keys AS k
    MATCH (p:Purchase {key: k})
    RETURN p.key AS key
    """,
)

CREATE_PURCHASES = Cypher(
    "create_purchases",
    """
    UNWIND $purchases AS p
    MATCH (c:Customer {key: p.customerKey})
    CREATE (c)-[:MADE]->(x:Purchase {
      key: p.key, purchasedAt: p.purchasedAt, territory: p.territory, currency: p.currency,
      total: p.total, idempotencyKey: p.idempotencyKey, customerKey: p.customerKey})
    WITH x, p
    CALL (x, p) {
      UNWIND p.lines AS line
      MATCH (t:Track {key: line.trackKey})
      CREATE (x)-[:LINE {position: line.position, format: line.format, price: line.price,
                         royaltyRate: line.royaltyRate, albumKey: line.albumKey}]->(t)
    }
    RETURN count(x) AS written
    """,
)

ADD_POPULARITY = Cypher(
    "add_popularity",
    """
    UNWIND $counts AS c
    MATCH (t:Track {key: c.key})-[:ON_ALBUM]->(a:Album)
    SET t.popularity = coalesce(t.popularity, 0) + c.units
    WITH a, sum(c.units) AS units
    SET a.popularity = coalesce(a.popularity, 0) + units
    WITH a, units
    MATCH (a)-[:BY]->(ar:Artist)
    WITH ar, sum(units) AS units
    SET ar.popularity = coalesce(ar.popularity, 0) + units
    RETURN count(ar) AS artists
    """,
)


@dataclass(slots=True)
class UpsertSummary:
    """What an upsert of releases did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    taken_down: int = 0

    def add(self, other: UpsertSummary) -> None:
        """Accumulate another batch's counts."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.taken_down += other.taken_down

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.taken_down} taken down"
        )


def _money(value: Any) -> str:
    return format(value, "f")


def _offers(offers: Sequence[Offer]) -> dict[str, list[Any]]:
    return {
        "offerFormats": [o.format for o in offers],
        "offerPrices": [_money(o.price) for o in offers],
        "offerSizes": [o.size_bytes if o.size_bytes is not None else -1 for o in offers],
    }


def release_hash(release: Release) -> str:
    """A stable digest of everything a release says; equal digests mean nothing changed."""
    payload = json.dumps(asdict(release), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _genre(name: str, position: int = 0) -> dict[str, Any]:
    return {"key": slugify(name), "name": name, "position": position}


def release_params(release: Release, digest: str) -> dict[str, Any]:
    """The Cypher parameter map of one release."""
    album_offers = _offers(release.album_offers)
    rights = release.rights
    return {
        "key": release.key,
        "title": release.title,
        "upc": release.upc,
        "type": release.type,
        "releaseDate": release.release_date,
        "currency": release.currency,
        "territories": list(rights.territories),
        "rightsStart": rights.start,
        "rightsEnd": rights.end,
        "royaltyRate": _money(rights.royalty_rate),
        "offerFormats": album_offers["offerFormats"],
        "offerPrices": album_offers["offerPrices"],
        "durationMs": sum(t.duration_ms for t in release.tracks),
        "hash": digest,
        "artists": [{"key": a.key, "name": a.name, "position": i} for i, a in enumerate(release.artists)],
        "genres": [_genre(g, i) for i, g in enumerate(release.genres)],
        "label": {"key": release.label.key, "name": release.label.name} if release.label else None,
        "tracks": [
            {
                "key": t.key,
                "title": t.title,
                "isrc": t.isrc,
                "durationMs": t.duration_ms,
                "discNumber": t.disc_number,
                "trackNumber": t.track_number,
                "composer": t.composer,
                "artists": [{"key": a.key, "name": a.name, "position": i} for i, a in enumerate(t.artists)],
                "genre": _genre(t.genre) if t.genre else None,
                **_offers(t.offers),
            }
            for t in release.tracks
        ],
    }


async def upsert_releases(graph: Graph, releases: Sequence[Release]) -> UpsertSummary:
    """Write one batch of releases in one transaction: each release whole, or none of them."""
    digests = {r.key: release_hash(r) for r in releases}

    async def work(tx: Tx) -> UpsertSummary:
        rows = await tx.run(EXISTING_ALBUMS, {"keys": list(digests)})
        known = {row["key"]: row["hash"] for row in rows}
        summary = UpsertSummary()
        changed = []
        for release in releases:
            digest = digests[release.key]
            if known.get(release.key) == digest:
                summary.unchanged += 1
                continue
            if release.key not in known:
                summary.created += 1
            elif release.rights.end is not None:
                summary.taken_down += 1
            else:
                summary.updated += 1
            changed.append(release_params(release, digest))
        if changed:
            await tx.run(UPSERT_RELEASES, {"releases": changed})
        return summary

    return await graph.transaction(work)


async def upsert_customers(graph: Graph, customers: Sequence[CustomerRecord]) -> int:
    """Create or update customers; returns how many were written."""
    params = [{"key": c.key, "country": c.country, "name": c.name, "email": c.email} for c in customers]
    rows = await graph.write(UPSERT_CUSTOMERS, {"customers": params})
    return int(rows[0]["written"]) if rows else 0


def purchase_params(purchase: PurchaseRecord) -> dict[str, Any]:
    """The Cypher parameter map of one purchase, its total summed exactly."""
    total = sum((line.price for line in purchase.lines), Decimal(0))
    return {
        "key": purchase.key,
        "customerKey": purchase.customer_key,
        "purchasedAt": purchase.purchased_at,
        "territory": purchase.territory,
        "currency": purchase.currency,
        "total": _money(total),
        "idempotencyKey": purchase.idempotency_key,
        "lines": [
            {
                "position": i,
                "trackKey": line.track_key,
                "format": line.format,
                "price": _money(line.price),
                "royaltyRate": _money(line.royalty_rate),
                "albumKey": line.album_key,
            }
            for i, line in enumerate(purchase.lines)
        ],
    }


def unit_counts(purchases: Iterable[PurchaseRecord]) -> list[dict[str, Any]]:
    """Units sold per track, as ADD_POPULARITY takes them."""
    units = Counter(line.track_key for p in purchases for line in p.lines)
    return [{"key": k, "units": n} for k, n in units.items()]


async def write_purchases(tx: Tx, purchases: Sequence[PurchaseRecord]) -> int:
    """Inside a transaction: create the purchases not yet stored and count their units."""
    rows = await tx.run(EXISTING_PURCHASES, {"keys": [p.key for p in purchases]})
    stored = {row["key"] for row in rows}
    fresh = [p for p in purchases if p.key not in stored]
    if not fresh:
        return 0
    await tx.run(CREATE_PURCHASES, {"purchases": [purchase_params(p) for p in fresh]})
    await tx.run(ADD_POPULARITY, {"counts": unit_counts(fresh)})
    return len(fresh)


async def insert_purchases(graph: Graph, purchases: Sequence[PurchaseRecord]) -> int:
    """Store one batch of purchases in one transaction; ones already stored are skipped."""

    async def work(tx: Tx) -> int:
        return await write_purchases(tx, purchases)

    return await graph.transaction(work)
