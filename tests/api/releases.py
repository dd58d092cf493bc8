"""Test releases written through the one write path, under a unique key prefix, and their removal."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from graph.driver import Cypher, Graph
from graph.release import Offer, PartyRef, Release, Rights, TrackRecord
from graph.schema import await_search_refresh
from graph.slug import slugify
from graph.upsert import upsert_releases

DELETE_PREFIXED = Cypher(
    "test_delete_prefixed",
    """
    MATCH (n) WHERE (n:Album OR n:Track OR n:Artist OR n:Label OR n:Genre) AND n.key STARTS WITH $prefix
    DETACH DELETE n
    """,
)


def new_prefix(name: str) -> str:
    """A key prefix no other test run uses (lower case, so genre slugs keep it)."""
    return f"tgt-{name}-{uuid.uuid4().hex[:8]}-"


def release(
    prefix: str,
    name: str,
    *,
    territories: Sequence[str] = ("*",),
    start: date | None = None,
    end: date | None = None,
    released: date | None = None,
    genre: str = "pop",
    artist: str | None = None,
    tracks: int = 2,
) -> Release:
    """A release keyed `prefix + name` with `tracks` tracks, licensed as given."""
    by = (PartyRef(prefix + "artist-" + (artist or name), artist or f"Artist {name}"),)
    genre_name = f"{prefix}{genre}"
    return Release(
        key=prefix + name,
        title=f"Album {name}",
        type="ALBUM",
        artists=by,
        genres=(genre_name,),
        rights=Rights(territories=tuple(territories), royalty_rate=Decimal("0.5"), start=start, end=end),
        currency="EUR",
        album_offers=(Offer("FLAC_16_44", Decimal("9.99")),),
        tracks=tuple(
            TrackRecord(
                key=f"{prefix}{name}-t{i}",
                title=f"Song {name} {i}",
                duration_ms=180_000 + i,
                disc_number=1,
                track_number=i,
                artists=by,
                offers=(Offer("MP3_320", Decimal("1.29"), 1234), Offer("FLAC_16_44", Decimal("1.99"))),
                genre=genre_name,
            )
            for i in range(1, tracks + 1)
        ),
        label=PartyRef(prefix + "label", "Test Label"),
        release_date=released,
    )


def genre_key(prefix: str, genre: str) -> str:
    """The graph key of a test genre."""
    return slugify(f"{prefix}{genre}")


async def write(graph: Graph, releases: Sequence[Release]) -> None:
    """Write test releases through the one write path."""
    await upsert_releases(graph, releases)
    await await_search_refresh(graph)


async def remove(graph: Graph, prefix: str) -> None:
    """Delete every node a test wrote under its prefix (and from search, before it returns)."""
    await graph.write(DELETE_PREFIXED, {"prefix": prefix})
    # Search scores depend on what the indexes hold: a late removal would move the next test's scores.
    await await_search_refresh(graph)
