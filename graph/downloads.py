"""Downloads: which tracks a customer owns in a format, and a count of each download made.

A customer owns a track in a format when one of their purchases has a LINE to it in that format;
an album bought whole gave a line per track, so one pattern covers both. The count sits on the
earliest such line (`downloads`, `lastDownloadAt`); a resumed transfer (a Range not starting at
byte 0) is not counted again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graph.catalog import Row
from graph.driver import Cypher, Graph

OWNS = "EXISTS { MATCH (:Customer {key: $customer})-[:MADE]->(:Purchase)-[:LINE {format: $format}]->(t) }"
TRACK_FILE = """
    MATCH (t)-[:ON_ALBUM]->(a:Album)
    RETURN t{.key, .title, .isrc, .trackNumber} AS track, a{.key, .title} AS album,
           COLLECT { MATCH (t)-[b:BY]->(ar:Artist) RETURN ar.name ORDER BY b.position LIMIT 1 }[0] AS artist,
           COLLECT { MATCH (a)-[b:BY]->(ar:Artist) RETURN ar.name ORDER BY b.position LIMIT 1 }[0] AS albumArtist,
           l.downloads AS downloads
"""

OWNED_TRACKS = Cypher(
    "owned_tracks",
    f"""
    UNWIND $tracks AS k
    OPTIONAL MATCH (t:Track {{key: k}})
    RETURN k AS key, t IS NOT NULL AS found, t IS NOT NULL AND {OWNS} AS owned
    """,
)
OWNED_ALBUM_TRACKS = Cypher(
    "owned_album_tracks",
    f"""
    OPTIONAL MATCH (a:Album {{key: $album}})
    CALL (a) {{
      OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a) WHERE {OWNS}
      WITH t ORDER BY t.discNumber, t.trackNumber, t.key
      RETURN collect(t.key) AS tracks
    }}
    RETURN a IS NOT NULL AS found, tracks
    """,
)
GRANTED_FILE = Cypher(
    "granted_file",
    f"""
    MATCH (:Customer {{key: $customer}})-[:MADE]->(p:Purchase)-[l:LINE {{format: $format}}]->(t:Track {{key: $track}})
    WITH t, l ORDER BY p.purchasedAt LIMIT 1
    {TRACK_FILE}
    """,
)
RECORD_DOWNLOAD = Cypher(
    "record_download",
    """
    MATCH (:Customer {key: $customer})-[:MADE]->(p:Purchase)-[l:LINE {format: $format}]->(:Track {key: $track})
    WITH l ORDER BY p.purchasedAt LIMIT 1
    SET l.downloads = coalesce(l.downloads, 0) + 1, l.lastDownloadAt = datetime()
    RETURN l.downloads AS downloads
    """,
)
TRACK_KEYS = Cypher(
    "track_keys", "MATCH (t:Track) WHERE t.key > $after RETURN t.key AS key ORDER BY t.key LIMIT $limit"
)


@dataclass(frozen=True, slots=True)
class Ownership:
    """Whether a track exists, and whether the customer owns it in the format asked for."""

    key: str
    found: bool
    owned: bool


@dataclass(frozen=True, slots=True)
class OwnedFile:
    """A track a customer owns, with what its file is tagged and named with."""

    track: Row
    album: Row
    artist: str
    album_artist: str
    downloads: int


async def owned_tracks(graph: Graph, customer: str, track_keys: Sequence[str], fmt: str) -> list[Ownership]:
    """For each track key, in order: does it exist, and does the customer own it in `fmt`."""
    rows = await graph.read(OWNED_TRACKS, {"customer": customer, "tracks": list(track_keys), "format": fmt})
    return [Ownership(r["key"], r["found"], r["owned"]) for r in rows]


async def owned_album_tracks(graph: Graph, customer: str, album_key: str, fmt: str) -> list[str] | None:
    """The album's tracks the customer owns in `fmt`, in album order; None when there is no such album."""
    rows = await graph.read(OWNED_ALBUM_TRACKS, {"customer": customer, "album": album_key, "format": fmt})
    return list(rows[0]["tracks"]) if rows[0]["found"] else None


async def granted_file(graph: Graph, customer: str, track: str, fmt: str) -> OwnedFile | None:
    """The owned track's file details; None when the customer does not own it (any more) in `fmt`."""
    rows = await graph.read(GRANTED_FILE, {"customer": customer, "track": track, "format": fmt})
    if not rows:
        return None
    r = rows[0]
    return OwnedFile(r["track"], r["album"], r["artist"] or "", r["albumArtist"] or r["artist"] or "",
                     int(r["downloads"] or 0))


async def record_download(graph: Graph, customer: str, track: str, fmt: str) -> int:
    """Count one download on the customer's line for the track; the count so far (0: not owned)."""
    rows = await graph.write(RECORD_DOWNLOAD, {"customer": customer, "track": track, "format": fmt})
    return int(rows[0]["downloads"]) if rows else 0


async def track_keys(graph: Graph, after: str, limit: int) -> list[str]:
    """A page of track keys in key order, after `after`."""
    return [r["key"] for r in await graph.read(TRACK_KEYS, {"after": after, "limit": limit})]
