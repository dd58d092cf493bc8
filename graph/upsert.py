"""The one write path for releases (feed, Chinook, synthetic); customers and purchases are in purchase_writes.

A batch of releases is one transaction: an existence check for its albums and their tracks, then
one UNWIND statement per concern (old links, parties, albums with their links, new tracks, stored
tracks, tracks no longer on an album). Parties come first, so albums and tracks only look them up;
new tracks are CREATEd, nested per album so that the album, its genres and its artists are looked
up once per album rather than per track; MERGE is kept for keys that may exist, on uniquely
indexed keys only. The album and track statements plan no Eager operator.
Bulk statements say `CYPHER replan=skip`: their plans (unique-index seeks) never depend on
statistics, and a bulk load changes statistics so fast that Neo4j would otherwise re-plan them
every few seconds (planning the track statement costs more than writing 1,000 tracks).
Last, the batch's changes go to the change feed's outbox (`graph.changes`), numbered under the
counter's lock, which is held from then until commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graph import catalog_version, changes, search_names
from graph.bulk_rows import Rows
from graph.driver import Cypher, Graph, Tx
from graph.release import Release
from graph.release_fields import ChangeKind, changed_fields, kind_of
from graph.release_rows import PreparedRelease, prepare_release

EXISTING_ALBUMS = Cypher(
    "existing_albums",
    """
    CYPHER replan=skip
    UNWIND $keys AS k
    MATCH (a:Album {key: k})
    RETURN a.key AS key, a.contentHash AS hash, a.rightsEnd AS rightsEnd, a.fieldDigests AS fields
    """,
)
UNLINK_ALBUMS = Cypher(
    "unlink_albums",
    "CYPHER replan=skip UNWIND $keys AS k "
    "MATCH (:Album {key: k})-[old:BY|ALBUM_BY|IN_GENRE|ALBUM_IN_GENRE|RELEASED_BY]->() DELETE old",
)
UNLINK_TRACKS = Cypher(
    "unlink_tracks",
    "CYPHER replan=skip UNWIND $keys AS k MATCH (:Track {key: k})-[old:BY|IN_GENRE]->() DELETE old",
)
MERGE_ARTISTS = Cypher(
    "merge_artists",
    """
    CYPHER replan=skip
    UNWIND $rows AS r
    MERGE (x:Artist {key: r.key})
    ON CREATE SET x.popularity = 0
    WITH x, r WHERE x.name IS NULL OR x.name <> r.name
    SET x.name = r.name, x.searchJoined = r.searchJoined, x.searchInitial = r.searchInitial,
        x.searchStart = r.searchStart
    """,
)
MERGE_GENRES = Cypher(
    "merge_genres",
    "CYPHER replan=skip UNWIND $rows AS r MERGE (x:Genre {key: r.key}) ON CREATE SET x.name = r.name",
)
MERGE_LABELS = Cypher(
    "merge_labels",
    """
    CYPHER replan=skip
    UNWIND $rows AS r
    MERGE (x:Label {key: r.key})
    WITH x, r WHERE x.name IS NULL OR x.name <> r.name
    SET x.name = r.name
    """,
)
# After the parties: each album with its credits, genres and label (old links were deleted first).
# An album's credits and genres are written twice: BY and IN_GENRE, which tracks share, and
# ALBUM_BY and ALBUM_IN_GENRE, albums' own, so an artist's or a genre's albums are read without its
# tracks' links (graph.album_links).
WRITE_ALBUMS = Cypher(
    "write_albums",
    """
    CYPHER replan=skip
    UNWIND $rows AS r
    MERGE (a:Album {key: r.key})
    ON CREATE SET a.popularity = 0
    SET a.title = r.title, a.upc = r.upc, a.type = r.type, a.releaseDate = r.releaseDate,
        a.releaseDateSort = coalesce(r.releaseDate, date('0001-01-01')),
        a.currency = r.currency, a.territories = r.territories, a.rightsStart = r.rightsStart,
        a.rightsEnd = r.rightsEnd, a.royaltyRate = r.royaltyRate, a.offerFormats = r.offerFormats,
        a.offerPrices = r.offerPrices, a.priceLists = r.priceLists, a.priceFallback = r.priceFallback,
        a.trackCount = r.trackCount, a.durationMs = r.durationMs,
        a.contentHash = r.contentHash, a.fieldDigests = r.fieldDigests, a.updatedAt = datetime(),
        a.searchJoined = r.searchJoined, a.searchInitial = r.searchInitial, a.searchStart = r.searchStart,
        a.explicit = r.explicit, a.copyright = r.copyright, a.phonographicCopyright = r.phonographicCopyright
    WITH a, r
    CALL (a, r) {
      UNWIND r.artists AS credit
      MATCH (x:Artist {key: credit.key})
      CREATE (a)-[:BY {position: credit.position}]->(x)
      CREATE (a)-[:ALBUM_BY]->(x)
    }
    CALL (a, r) {
      UNWIND r.genres AS genre
      MATCH (g:Genre {key: genre.key})
      CREATE (a)-[:IN_GENRE {position: genre.position}]->(g)
      CREATE (a)-[:ALBUM_IN_GENRE]->(g)
    }
    CALL (a, r) {
      UNWIND CASE WHEN r.label IS NULL THEN [] ELSE [r.label.key] END AS label
      MATCH (x:Label {key: label})
      CREATE (a)-[:RELEASED_BY]->(x)
    }
    """,
)
EXISTING_TRACKS = Cypher(
    "existing_tracks",
    "CYPHER replan=skip UNWIND $keys AS k MATCH (t:Track {key: k}) RETURN t.key AS key",
)
_TRACK_LINKS: LiteralString = """
    WITH t, r
    CALL (t, r) {
      UNWIND r.genres AS key
      MATCH (g:Genre {key: key})
      CREATE (t)-[:IN_GENRE]->(g)
    }
    WITH t, r
    UNWIND r.artists AS credit
    MATCH (x:Artist {key: credit.key})
    CREATE (t)-[:BY {position: credit.position}]->(x)
"""
# Tracks the batch's existence check did not find, created outright (no MERGE probe), nested per
# album: the album, and the genres and artists its tracks name, are looked up once per album, and
# each track refers to them by position in those lists (FOREACH: with nodes taken from a list,
# UNWIND + CREATE plans an Eager).
CREATE_TRACKS = Cypher(
    "create_tracks",
    """
    CYPHER replan=skip
    UNWIND $rows AS r
    MATCH (a:Album {key: r.album})
    CALL (r) { UNWIND r.genres AS k MATCH (g:Genre {key: k}) RETURN collect(g) AS genres }
    CALL (r) { UNWIND r.artists AS k MATCH (x:Artist {key: k}) RETURN collect(x) AS artists }
    UNWIND r.tracks AS tr
    CREATE (t:Track {key: tr.key, popularity: 0, updatedAt: datetime(), title: tr.title, isrc: tr.isrc,
                     durationMs: tr.durationMs, discNumber: tr.discNumber, trackNumber: tr.trackNumber,
                     composer: tr.composer,
                     offerFormats: tr.offerFormats, offerPrices: tr.offerPrices, offerSizes: tr.offerSizes,
                     searchJoined: tr.searchJoined, searchInitial: tr.searchInitial, searchStart: tr.searchStart,
                     explicit: tr.explicit})
    CREATE (t)-[:ON_ALBUM]->(a)
    FOREACH (g IN [i IN tr.genreAt | genres[i]] | CREATE (t)-[:IN_GENRE]->(g))
    FOREACH (credit IN tr.artistAt |
      FOREACH (x IN [artists[credit[0]]] | CREATE (t)-[:BY {position: credit[1]}]->(x)))
    """,
)
# Tracks already stored (re-delivered, or an ISRC on another release too): their links were just
# deleted, and the album link may already be there.
UPDATE_TRACKS = Cypher(
    "update_tracks",
    """
    CYPHER replan=skip
    UNWIND $rows AS r
    MATCH (a:Album {key: r.album})
    MERGE (t:Track {key: r.key})
    ON CREATE SET t.popularity = 0
    SET t.title = r.title, t.isrc = r.isrc, t.durationMs = r.durationMs, t.discNumber = r.discNumber,
        t.trackNumber = r.trackNumber, t.composer = r.composer, t.offerFormats = r.offerFormats,
        t.offerPrices = r.offerPrices, t.offerSizes = r.offerSizes, t.updatedAt = datetime(),
        t.searchJoined = r.searchJoined, t.searchInitial = r.searchInitial, t.searchStart = r.searchStart,
        t.explicit = r.explicit
    MERGE (t)-[:ON_ALBUM]->(a)
    """
    + _TRACK_LINKS,
)
# A track dropped from a re-delivered album stays (past purchases point at it) but is off sale.
RETIRE_DROPPED_TRACKS = Cypher(
    "retire_dropped_tracks",
    """
    CYPHER replan=skip
    UNWIND $rows AS r
    MATCH (gone:Track)-[:ON_ALBUM]->(:Album {key: r.key})
    WHERE NOT gone.key IN r.tracks
    SET gone.offerFormats = [], gone.offerPrices = [], gone.offerSizes = [], gone.updatedAt = datetime()
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

    @property
    def total(self) -> int:
        """Releases seen."""
        return self.created + self.updated + self.unchanged + self.taken_down

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.taken_down} taken down"
        )


def _nested_tracks(album_key: str, tracks: list[dict[str, Any]]) -> dict[str, Any]:
    """One album's new tracks as CREATE_TRACKS takes them: genres and artists by position."""
    genres: dict[str, int] = {}
    artists: dict[str, int] = {}
    rows = []
    for t in tracks:
        row = {k: v for k, v in t.items() if k not in ("album", "genres", "artists")}
        row["genreAt"] = [genres.setdefault(g, len(genres)) for g in t["genres"]]
        row["artistAt"] = [[artists.setdefault(c["key"], len(artists)), c["position"]] for c in t["artists"]]
        rows.append(row)
    return {"album": album_key, "genres": list(genres), "artists": list(artists), "tracks": rows}


@dataclass(slots=True)
class ReleaseRows:
    """The parameter lists of one batch of changed releases, one list per statement."""

    stored_tracks: frozenset[str] = frozenset()
    old_albums: list[str] = field(default_factory=list)
    albums: list[dict[str, Any]] = field(default_factory=list)
    artists: dict[str, str] = field(default_factory=dict)
    genres: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    new_tracks: list[dict[str, Any]] = field(default_factory=list)
    old_tracks: list[dict[str, Any]] = field(default_factory=list)
    track_lists: list[dict[str, Any]] = field(default_factory=list)

    def add(self, release: PreparedRelease, exists: bool) -> None:
        """Add one release; `exists` when its album is already in the graph."""
        key, album = release.key, release.album
        self.albums.append(album)
        self.artists.update(release.artists)
        self.genres.update(release.genres)
        if album["label"] is not None:
            self.labels[album["label"]["key"]] = album["label"]["name"]
        fresh = [t for t in release.tracks if t["key"] not in self.stored_tracks]
        if fresh:
            self.new_tracks.append(_nested_tracks(key, fresh))
        self.old_tracks.extend(t for t in release.tracks if t["key"] in self.stored_tracks)
        if exists:
            self.old_albums.append(key)
            self.track_lists.append({"key": key, "tracks": [t["key"] for t in release.tracks]})

    def statements(self) -> list[tuple[Cypher, dict[str, Any]]]:
        """Every statement of the batch with its parameters, in the order they must run."""

        def named(parties: dict[str, str]) -> Rows:
            # In key order: concurrent batches then take the parties' locks in the same order.
            return Rows({"key": k, "name": parties[k]} for k in sorted(parties))

        return [
            (UNLINK_ALBUMS, {"keys": Rows(self.old_albums)}),
            (UNLINK_TRACKS, {"keys": Rows(t["key"] for t in self.old_tracks)}),
            (MERGE_ARTISTS, {"rows": Rows({**r, **search_names.fields(r["name"])} for r in named(self.artists))}),
            (MERGE_GENRES, {"rows": named(self.genres)}),
            (MERGE_LABELS, {"rows": named(self.labels)}),
            (WRITE_ALBUMS, {"rows": Rows(self.albums)}),
            (CREATE_TRACKS, {"rows": Rows(self.new_tracks)}),
            (UPDATE_TRACKS, {"rows": Rows(self.old_tracks)}),
            (RETIRE_DROPPED_TRACKS, {"rows": Rows(self.track_lists)}),
        ]


def _classify(release: PreparedRelease, stored: dict[str, Any] | None, summary: UpsertSummary) -> dict[str, Any] | None:
    """Count the release in the summary; its change-feed row when it must be written, else None."""
    if stored is None:
        summary.created += 1
        return changes.release_change(ChangeKind.CREATED, release.album, [])
    if stored["hash"] == release.digest:
        summary.unchanged += 1
        return None
    taken_down = release.rights_end is not None and stored["rightsEnd"] != release.rights_end
    if taken_down:
        summary.taken_down += 1
    else:
        summary.updated += 1
    fields = changed_fields(stored.get("fields"), release.fields)
    return changes.release_change(kind_of(fields, taken_down), release.album, fields)


async def upsert_prepared(graph: Graph, releases: Sequence[PreparedRelease]) -> UpsertSummary:
    """Write one batch of prepared releases in one transaction: each whole, or none of them."""

    async def work(tx: Tx) -> UpsertSummary:
        found = await tx.run(EXISTING_ALBUMS, {"keys": Rows(r.key for r in releases)})
        known = {row["key"]: row for row in found}
        summary = UpsertSummary()
        outbox = [(r, change) for r in releases if (change := _classify(r, known.get(r.key), summary))]
        changed = [(r, known.get(r.key)) for r, _ in outbox]
        track_keys = Rows(t["key"] for r, _ in changed for t in r.tracks)
        stored = await tx.run(EXISTING_TRACKS, {"keys": track_keys}) if track_keys else []
        rows = ReleaseRows(stored_tracks=frozenset(row["key"] for row in stored))
        for release, album in changed:
            rows.add(release, exists=album is not None)
        for query, params in rows.statements():
            if any(params.values()):
                await tx.run(query, params)
        if outbox:
            await tx.run(catalog_version.BUMP, {})
            await changes.record(tx, [change for _, change in outbox])
        return summary

    return await graph.transaction(work)


async def upsert_releases(graph: Graph, releases: Sequence[Release]) -> UpsertSummary:
    """Write one batch of releases in one transaction: each release whole, or none of them."""
    return await upsert_prepared(graph, [prepare_release(r) for r in releases])
