"""Constraints and indexes for every key the API looks up, created idempotently."""

from __future__ import annotations

from graph import album_links, search_names
from graph.driver import Cypher, Graph

# Eventually consistent: a commit does not wait for Lucene, which halves bulk-import commits;
# `await_search_refresh` makes what was just written searchable when a caller needs that.
SEARCH_OPTIONS = (
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding', `fulltext.eventually_consistent`: true}}"
)

STATEMENTS: tuple[Cypher, ...] = (
    Cypher("schema", "CREATE CONSTRAINT artist_key IF NOT EXISTS FOR (n:Artist) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT album_key IF NOT EXISTS FOR (n:Album) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT track_key IF NOT EXISTS FOR (n:Track) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT genre_key IF NOT EXISTS FOR (n:Genre) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT label_key IF NOT EXISTS FOR (n:Label) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT customer_key IF NOT EXISTS FOR (n:Customer) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT purchase_key IF NOT EXISTS FOR (n:Purchase) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT idempotency_key IF NOT EXISTS FOR (n:IdempotencyKey) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT catalog_version IF NOT EXISTS FOR (n:CatalogVersion) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT change_seq IF NOT EXISTS FOR (n:Change) REQUIRE n.seq IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT change_sequence IF NOT EXISTS FOR (n:ChangeSequence) REQUIRE n.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT webhook_key IF NOT EXISTS FOR (n:WebhookEndpoint) REQUIRE n.key IS UNIQUE"),
    Cypher(
        "schema",
        "CREATE INDEX webhook_delivery IF NOT EXISTS FOR (n:WebhookDelivery) ON (n.endpointKey, n.at)",
    ),
    Cypher("schema", "CREATE INDEX webhook_delivery_at IF NOT EXISTS FOR (n:WebhookDelivery) ON (n.at)"),
    Cypher("schema", "CREATE INDEX artist_name IF NOT EXISTS FOR (n:Artist) ON (n.name)"),
    Cypher("schema", "CREATE INDEX artist_popularity IF NOT EXISTS FOR (n:Artist) ON (n.popularity)"),
    Cypher("schema", "CREATE INDEX album_title IF NOT EXISTS FOR (n:Album) ON (n.title)"),
    Cypher("schema", "CREATE INDEX album_release_date IF NOT EXISTS FOR (n:Album) ON (n.releaseDate)"),
    Cypher("schema", "CREATE INDEX album_release_date_sort IF NOT EXISTS FOR (n:Album) ON (n.releaseDateSort)"),
    Cypher("schema", "CREATE INDEX album_popularity IF NOT EXISTS FOR (n:Album) ON (n.popularity)"),
    Cypher("schema", "CREATE INDEX album_upc IF NOT EXISTS FOR (n:Album) ON (n.upc)"),
    Cypher("schema", "CREATE INDEX track_title IF NOT EXISTS FOR (n:Track) ON (n.title)"),
    Cypher("schema", "CREATE INDEX track_isrc IF NOT EXISTS FOR (n:Track) ON (n.isrc)"),
    Cypher("schema", "CREATE INDEX track_duration IF NOT EXISTS FOR (n:Track) ON (n.durationMs)"),
    Cypher("schema", "CREATE INDEX track_popularity IF NOT EXISTS FOR (n:Track) ON (n.popularity)"),
    Cypher("schema", "CREATE INDEX purchase_time IF NOT EXISTS FOR (n:Purchase) ON (n.purchasedAt)"),
    Cypher(
        "schema",
        "CREATE INDEX purchase_territory_time IF NOT EXISTS FOR (n:Purchase) ON (n.territory, n.purchasedAt)",
    ),
    Cypher(
        "schema",
        "CREATE INDEX purchase_idempotency IF NOT EXISTS FOR (n:Purchase) "
        "ON (n.customerKey, n.idempotencyKey)",
    ),
    # Each name or title is searched beside its joined form (graph.search_names): "acdc" finds AC/DC.
    Cypher(
        "schema",
        "CREATE FULLTEXT INDEX search_artist_names IF NOT EXISTS FOR (n:Artist) ON EACH [n.name, n.searchJoined] "
        + SEARCH_OPTIONS,
    ),
    Cypher(
        "schema",
        "CREATE FULLTEXT INDEX search_album_titles IF NOT EXISTS FOR (n:Album) ON EACH [n.title, n.searchJoined] "
        + SEARCH_OPTIONS,
    ),
    Cypher(
        "schema",
        "CREATE FULLTEXT INDEX search_track_titles IF NOT EXISTS FOR (n:Track) ON EACH [n.title, n.searchJoined] "
        + SEARCH_OPTIONS,
    ),
    # A one- or two-letter query lists the names it starts, most popular first, from these in order.
    *(
        Cypher(
            "schema",
            f"CREATE INDEX {label.lower()}_search_{prop.removeprefix('search').lower()} IF NOT EXISTS "
            f"FOR (n:{label}) ON (n.{prop}, n.popularity, n.key)",
        )
        for label in ("Artist", "Album", "Track")
        for prop in ("searchInitial", "searchStart")
    ),
    # The full-text indexes of names alone, before joined names.
    Cypher("schema", "DROP INDEX search_artist IF EXISTS"),
    Cypher("schema", "DROP INDEX search_album IF EXISTS"),
    Cypher("schema", "DROP INDEX search_track IF EXISTS"),
)

AWAIT_INDEXES = Cypher("schema_await", "CALL db.awaitIndexes(300)")
# Albums written before releaseDateSort existed get it once (the release-date order sorts on it).
BACKFILL = Cypher(
    "schema_backfill",
    "MATCH (a:Album) WHERE a.releaseDateSort IS NULL "
    "SET a.releaseDateSort = coalesce(a.releaseDate, date('0001-01-01'))",
)
SEARCH_REFRESH = Cypher("search_refresh", "CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()")


async def ensure_schema(graph: Graph) -> None:
    """Create every constraint and index that is missing, and wait until they are online."""
    for statement in STATEMENTS:
        await graph.write(statement)
    await graph.write(BACKFILL)
    await search_names.backfill(graph)
    await album_links.backfill(graph)
    await graph.write(AWAIT_INDEXES)


async def await_search_refresh(graph: Graph) -> None:
    """Wait until everything committed so far is in the full-text indexes."""
    await graph.write(SEARCH_REFRESH)
