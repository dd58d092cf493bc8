"""The bundled Chinook music store (SQLite) as releases, customers and purchases."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from graph import search_names
from graph.driver import Cypher, Graph
from graph.importers.pipeline import write_customers, write_purchase_history, write_releases
from graph.release import (
    WORLDWIDE,
    CustomerRecord,
    Offer,
    PartyRef,
    PurchaseLineRecord,
    PurchaseRecord,
    Release,
    Rights,
    TrackRecord,
)
from graph.schema import ensure_schema
from graph.territories import CHINOOK_COUNTRY_CODES
from settings import Settings

CURRENCY = "USD"
HOUSE_LABEL = PartyRef("tunegraph-house", "Chinook House Records")
ROYALTY_RATE = Decimal("0.70")
ALBUM_DISCOUNT = Decimal("0.80")
CENT = Decimal("0.01")
MEDIA_FORMATS = {
    "MPEG audio file": "MP3_320",
    "Protected AAC audio file": "AAC_256",
    "Purchased AAC audio file": "AAC_256",
    "AAC audio file": "AAC_256",
    "Protected MPEG-4 video file": "MPEG4_VIDEO",
}


UPSERT_ARTISTS = Cypher(
    "upsert_artists",
    """
    UNWIND $artists AS ar
    MERGE (x:Artist {key: ar.key})
    ON CREATE SET x.popularity = 0
    SET x.name = ar.name, x.searchJoined = ar.searchJoined, x.searchInitial = ar.searchInitial,
        x.searchStart = ar.searchStart
    RETURN count(x) AS written
    """,
)


@dataclass(frozen=True, slots=True)
class ChinookStore:
    """Everything the Chinook file holds, as records for the write path."""

    artists: list[PartyRef]
    releases: list[Release]
    customers: list[CustomerRecord]
    purchases: list[PurchaseRecord]


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise FileNotFoundError(f"no Chinook SQLite file at {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def album_offers(tracks: list[TrackRecord]) -> tuple[Offer, ...]:
    """Whole-album offers: formats every track has, at 80% of the tracks' sum, cents down."""
    if len(tracks) < 2:
        return ()
    formats = set.intersection(*({o.format for o in t.offers} for t in tracks))
    offers = []
    for fmt in sorted(formats):
        total = sum((o.price for t in tracks for o in t.offers if o.format == fmt), Decimal(0))
        offers.append(Offer(fmt, (total * ALBUM_DISCOUNT).quantize(CENT, rounding=ROUND_DOWN)))
    return tuple(offers)


def _tracks(conn: sqlite3.Connection) -> dict[int, list[TrackRecord]]:
    rows = conn.execute(
        """SELECT t.TrackId, t.AlbumId, t.Name, t.Composer, t.Milliseconds, t.Bytes, t.UnitPrice,
                  m.Name AS Media, g.Name AS Genre, ar.ArtistId, ar.Name AS ArtistName
           FROM Track t JOIN MediaType m USING (MediaTypeId) LEFT JOIN Genre g USING (GenreId)
           JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist ar ON ar.ArtistId = al.ArtistId
           ORDER BY t.AlbumId, t.TrackId"""
    )
    by_album: dict[int, list[TrackRecord]] = defaultdict(list)
    for row in rows:
        tracks = by_album[row["AlbumId"]]
        offer = Offer(MEDIA_FORMATS[row["Media"]], Decimal(str(row["UnitPrice"])), row["Bytes"])
        tracks.append(
            TrackRecord(
                key=str(row["TrackId"]),
                title=row["Name"],
                duration_ms=row["Milliseconds"],
                disc_number=1,
                track_number=len(tracks) + 1,
                artists=(PartyRef(str(row["ArtistId"]), row["ArtistName"]),),
                offers=(offer,),
                composer=row["Composer"],
                genre=row["Genre"],
            )
        )
    return by_album


def _releases(conn: sqlite3.Connection) -> list[Release]:
    tracks_by_album = _tracks(conn)
    rights = Rights(territories=(WORLDWIDE,), royalty_rate=ROYALTY_RATE)
    releases = []
    for row in conn.execute(
        "SELECT al.AlbumId, al.Title, ar.ArtistId, ar.Name FROM Album al "
        "JOIN Artist ar USING (ArtistId) ORDER BY al.AlbumId"
    ):
        tracks = tracks_by_album.get(row["AlbumId"], [])
        genre_counts = Counter(t.genre for t in tracks if t.genre)
        releases.append(
            Release(
                key=str(row["AlbumId"]),
                title=row["Title"],
                type="ALBUM",
                artists=(PartyRef(str(row["ArtistId"]), row["Name"]),),
                genres=tuple(g for g, _ in genre_counts.most_common()),
                rights=rights,
                currency=CURRENCY,
                album_offers=album_offers(tracks),
                tracks=tuple(tracks),
                label=HOUSE_LABEL,
                copyright=f"© {HOUSE_LABEL.name}",
                phonographic_copyright=f"℗ {HOUSE_LABEL.name}",
            )
        )
    return releases


def _country(name: str | None) -> str:
    if name is None or name not in CHINOOK_COUNTRY_CODES:
        raise ValueError(f"Chinook country {name!r} has no ISO 3166-1 code in graph.territories")
    return CHINOOK_COUNTRY_CODES[name]


def _customers(conn: sqlite3.Connection) -> list[CustomerRecord]:
    return [
        CustomerRecord(
            key=str(row["CustomerId"]),
            country=_country(row["Country"]),
            name=f"{row['FirstName']} {row['LastName']}",
            email=row["Email"],
        )
        for row in conn.execute("SELECT * FROM Customer ORDER BY CustomerId")
    ]


def _purchases(conn: sqlite3.Connection) -> Iterator[PurchaseRecord]:
    formats = {
        row["TrackId"]: MEDIA_FORMATS[row["Name"]]
        for row in conn.execute("SELECT t.TrackId, m.Name FROM Track t JOIN MediaType m USING (MediaTypeId)")
    }
    lines: dict[int, list[PurchaseLineRecord]] = defaultdict(list)
    for row in conn.execute("SELECT * FROM InvoiceLine ORDER BY InvoiceId, InvoiceLineId"):
        line = PurchaseLineRecord(
            track_key=str(row["TrackId"]),
            format=formats[row["TrackId"]],
            price=Decimal(str(row["UnitPrice"])),
            royalty_rate=ROYALTY_RATE,
        )
        lines[row["InvoiceId"]].extend([line] * row["Quantity"])
    for row in conn.execute("SELECT * FROM Invoice ORDER BY InvoiceId"):
        yield PurchaseRecord(
            key=str(row["InvoiceId"]),
            customer_key=str(row["CustomerId"]),
            purchased_at=datetime.fromisoformat(row["InvoiceDate"]).replace(tzinfo=UTC),
            territory=_country(row["BillingCountry"]),
            currency=CURRENCY,
            lines=tuple(lines[row["InvoiceId"]]),
        )


def read_chinook(path: Path) -> ChinookStore:
    """Read the whole Chinook file into records."""
    with _connect(path) as conn:
        artists = [PartyRef(str(r["ArtistId"]), r["Name"]) for r in conn.execute("SELECT * FROM Artist")]
        return ChinookStore(artists, _releases(conn), _customers(conn), list(_purchases(conn)))


async def load(graph: Graph, store: ChinookStore, quiet: bool = False) -> str:
    """Write a Chinook store through the one write path; running it twice changes nothing."""
    await ensure_schema(graph)
    summary = await write_releases(graph, store.releases, total=len(store.releases), quiet=quiet)
    # Chinook lists artists with no album; the release path only meets credited ones.
    await graph.write(UPSERT_ARTISTS, {"artists": [
        {"key": a.key, "name": a.name, **search_names.fields(a.name)} for a in store.artists]})
    customers = await write_customers(graph, store.customers, quiet=quiet)
    purchases = await write_purchase_history(
        graph, store.purchases, total=len(store.purchases), quiet=quiet
    )
    return f"releases: {summary}; {customers} customers; {purchases} new purchases"


ALBUM_COUNT = Cypher("album_count", "MATCH (a:Album) RETURN count(a) AS albums")


async def run(settings: Settings, path: Path, if_empty: bool = False) -> str:
    """`tunegraph import chinook`: import the file and say what changed and how long it took."""
    started = time.perf_counter()
    store = read_chinook(path)
    graph = Graph.connect(settings)
    try:
        if if_empty and (albums := (await graph.read(ALBUM_COUNT))[0]["albums"]):
            return f"the graph already holds {albums} albums; Chinook not imported"
        report = await load(graph, store)
    finally:
        await graph.close()
    return f"Chinook imported in {time.perf_counter() - started:.1f} s: {report}"
