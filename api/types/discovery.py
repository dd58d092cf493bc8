"""Discovery root fields: search, new releases and the bestseller charts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from api.context import Info
from api.descriptions import BAD_TERRITORY, After, Before, First, Last, ListFirst, enum_value
from api.errors import bad_argument
from api.ids import key_of
from api.lookahead import asked_fields
from api.pagination import (
    Connection,
    PageArgs,
    PageInfo,
    SortDirection,
    decode_cursor,
    encode_cursor,
    page_args,
    page_size,
)
from api.territory import optional_territory
from api.types.album import ALBUMS, Album, AlbumOrder, AlbumSortField
from api.types.artist import Artist
from api.types.track import Track
from graph import discovery
from graph.charts import bestsellers

SEARCH_ORDER = "SEARCH"
MAX_SEARCH_CHARS = 200
"""Longest search text: a long title and then some."""
MAX_SEARCH_WORD = 64
"""Longest word searched for, as indexed (folded); Lucene refuses fuzzy terms of 1,000 or more."""
MAX_SEARCH_OFFSET = 100_000
"""Past this many hits no search cursor of ours points."""
CURSOR_POSITION = re.compile(r"[0-9]{1,6}")


@strawberry.enum(description="What search looks in.")
class SearchType(Enum):
    ARTIST = enum_value("ARTIST", description="Artist names.")
    ALBUM = enum_value("ALBUM", description="Album titles.")
    TRACK = enum_value("TRACK", description="Track titles.")


SearchResult = Annotated[
    Artist | Album | Track,
    strawberry.union("SearchResult", description="What search finds: an artist, an album or a track."),
]


@strawberry.type(description="A search hit, its cursor and its relevance (higher is better).")
class SearchEdge:
    cursor: str = strawberry.field(description="Opaque; pass it as `after` to continue after this hit.")
    node: SearchResult = strawberry.field(description="The artist, album or track found.")
    score: float = strawberry.field(
        description="Relevance: higher is better; comparable only within one search."
    )


@strawberry.type(description="A page of search hits, best match first.")
class SearchConnection:
    edges: list[SearchEdge] = strawberry.field(description="The hits of this page, best first.")
    page_info: PageInfo = strawberry.field(description="Whether more hits follow, and the cursors to reach them.")
    total_count: int = strawberry.field(
        description=f"How many hits the pages list in all: at most {discovery.SEARCH_DEPTH} of each type."
    )


@strawberry.type(description="A track's place in a chart and the units it sold.")
class ChartEntry:
    rank: int = strawberry.field(description="Its place, from 1.")
    units: int = strawberry.field(description="Units sold in the chart's window and territory.")
    track: Track = strawberry.field(description="The track.")


def _node(hit: discovery.Hit) -> Artist | Album | Track:
    if hit.type == "ARTIST":
        return Artist.from_row(hit.row)
    if hit.type == "ALBUM":
        return Album.from_row(hit.row)
    return Track.from_row(hit.row)


def _search_position(cursor: str | None, argument: str) -> int | None:
    """The position of the hit a search cursor was made for."""
    position = decode_cursor(cursor, SEARCH_ORDER, argument)
    if position is None:
        return None
    if not CURSOR_POSITION.fullmatch(position[1]) or int(position[1]) >= MAX_SEARCH_OFFSET:
        raise bad_argument(argument, "not a cursor of this list")
    return int(position[1])


def _search_window(args: PageArgs) -> tuple[int, int | None]:
    """Positions [start, end) the cursors leave of the ranking (end None: up to its end)."""
    after = _search_position(args.after, "after")
    return (0 if after is None else after + 1), _search_position(args.before, "before")


def _search_text(query: str) -> str:
    """The search text, checked: short enough to search, and no word too long for the index."""
    if len(query) > MAX_SEARCH_CHARS:
        raise bad_argument("query", f"at most {MAX_SEARCH_CHARS} characters, got {len(query)}")
    longest = max(discovery.words(query), key=len, default="")
    if len(longest) > MAX_SEARCH_WORD:
        raise bad_argument("query", f"words of at most {MAX_SEARCH_WORD} letters, got one of {len(longest)}")
    return query


def _instant(value: datetime | None, argument: str) -> datetime | None:
    """The instant in UTC (without an offset it is taken as UTC, as purchases are stored)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise bad_argument(argument, f"{value.isoformat()} is out of range in UTC") from None


def _genre(value: strawberry.ID | None) -> str | None:
    return key_of(value, "Genre", "genre") if value else None


async def _search_page(
    info: Info, query: str, chosen: list[str], args: PageArgs, count: bool
) -> discovery.SearchPage:
    """The hits the page arguments ask for: from the start or after `after`, or backward from `before` or the end."""
    start, end = _search_window(args)
    graph = info.context.graph
    if not args.backward:
        size = args.size if end is None else max(0, min(args.size, end - start))
        return await discovery.search(graph, query, chosen, start, size, count=count)
    if end is not None:
        offset = max(start, end - args.size)
        return await discovery.search(graph, query, chosen, offset, max(0, end - offset), count=count)
    # The last hits: ranked and counted whole; those before `after` are not the page's.
    found = await discovery.search(graph, query, chosen, None, args.size, count=True)
    skip = max(0, start - found.offset)
    return discovery.SearchPage(found.hits[skip:], found.more, found.total, found.offset + skip)


async def search_connection(
    info: Info, query: str, types: list[SearchType] | None, args: PageArgs
) -> SearchConnection:
    """A page of the ranked union of artists, albums and tracks matching `query`.

    A cursor holds a hit's position in the ranking, so pages go back as they go forward.
    """
    chosen = [t.value for t in types] if types is not None else list(discovery.SEARCH_TYPES)
    count = "totalCount" in asked_fields(info, "SearchConnection")
    found = await _search_page(info, query, chosen, args, count)
    edges = [
        SearchEdge(cursor=encode_cursor(SEARCH_ORDER, hit.score, str(found.offset + i)), node=_node(hit),
                   score=hit.score)
        for i, hit in enumerate(found.hits)
    ]
    page_info = PageInfo(
        has_next_page=(found.more and not args.backward) or args.before is not None,
        has_previous_page=found.offset > 0,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    # Not asked for, totalCount is never resolved: the -1 is never seen.
    total = found.total if found.total is not None else -1
    return SearchConnection(edges=edges, page_info=page_info, total_count=total)


@strawberry.type(description="Search, new releases and charts: no token needed.")
class DiscoveryQuery:
    """Search, new releases and charts: no token needed."""

    @strawberry.field(
        description="Full-text search over artist names, album titles and track titles; "
        "typo tolerant; best match first. Punctuation is optional (\"acdc\" finds AC/DC); a query of one or "
        "two letters lists the names it starts, most popular first (`score` is then the units sold). "
        f"The pages list the best {discovery.SEARCH_DEPTH} hits of each type."
    )
    async def search(
        self,
        info: Info,
        query: Annotated[
            str,
            strawberry.argument(
                description="What the user typed. Case, accents and punctuation do not matter; each word "
                "may match as the start of a word, or with a typo from 4 letters (two from 8); only the first "
                "10 words count."
            ),
        ],
        types: Annotated[
            list[SearchType] | None,
            strawberry.argument(description="Which kinds to look in; all three when omitted."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> SearchConnection:
        return await search_connection(info, _search_text(query), types, page_args(first, after, last, before))

    @strawberry.field(
        description="Albums already released (releaseDate <= today), newest first; "
        "with `territory`, only those licensed there."
    )
    async def new_releases(
        self,
        info: Info,
        territory: Annotated[
            str | None,
            strawberry.argument(
                description='Only albums licensed today in this country (ISO 3166-1 alpha-2, any case, e.g. "GB"). '
                + BAD_TERRITORY
            ),
        ] = None,
        genre: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this genre (a Genre ID; another ID is BAD_REQUEST naming `genre`)."),
        ] = None,
        since: Annotated[
            date | None, strawberry.argument(description="Only albums released on or after this day.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Album]:
        f: dict[str, Any] = {
            "territory": optional_territory(territory),
            "genre": _genre(genre),
            "releasedSince": since,
            "releasedUntil": info.context.today,
        }
        order = AlbumOrder(field=AlbumSortField.RELEASE_DATE, direction=SortDirection.DESC)
        return await ALBUMS.connection(info, f, order, page_args(first, after, last, before))

    @strawberry.field(
        description="Tracks ranked by units sold in the window; ties broken by title, then id. The window "
        "defaults to all time: no `since` means from the first sale, no `until` means up to now."
    )
    async def bestsellers(
        self,
        info: Info,
        territory: Annotated[
            str | None,
            strawberry.argument(
                description="Count only sales made in this country (ISO 3166-1 alpha-2, any case); "
                "everywhere when omitted. " + BAD_TERRITORY
            ),
        ] = None,
        genre: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this genre (a Genre ID; another ID is BAD_REQUEST naming `genre`)."),
        ] = None,
        since: Annotated[
            datetime | None,
            strawberry.argument(
                description="Count sales at or after this instant (no offset: UTC); from the first sale when omitted."
            ),
        ] = None,
        until: Annotated[
            datetime | None,
            strawberry.argument(
                description="Count sales before this instant (no offset: UTC); up to now when omitted. Not later "
                "than `since` is BAD_REQUEST naming `until`."
            ),
        ] = None,
        first: ListFirst = None,
    ) -> list[ChartEntry]:
        size = page_size(first)
        start, end = _instant(since, "since"), _instant(until, "until")
        if start is not None and end is not None and end <= start:
            raise bad_argument("until", "must be later than since")
        key = (optional_territory(territory), _genre(genre), start, end)
        charts = info.context.services.chart_cache
        if charts is not None:
            rows = (await charts.chart(key))[:size]
        else:
            rows = await bestsellers(info.context.graph, *key, size)
        return [ChartEntry(rank=i + 1, units=r.units, track=Track.from_row(r.row)) for i, r in enumerate(rows)]
