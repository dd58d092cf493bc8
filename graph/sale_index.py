"""Which tracks are on sale where, held in memory per catalog version: the recommender's candidate filter.

Indexed by the positions of a caller's item list (the model's), so a million tracks cost a few numpy
arrays rather than Python sets of keys: per track the number of its album (-1 when it has no offer or
no album), per album its rights window as day ordinals, and per territory the albums licensed there.
The rule is `graph.rights.on_sale`, evaluated for every album of a territory at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from graph.driver import Cypher, Graph
from graph.release import WORLDWIDE

# Read a page at a time in key order (the key index gives the order), so no one read outlasts a
# transaction timeout at a million tracks on a busy server.
SALE_ALBUMS = Cypher(
    "sale_albums",
    """
    MATCH (a:Album) WHERE a.key > $after
    WITH a ORDER BY a.key LIMIT $page
    RETURN a.key AS album, a.rightsStart AS start, a.rightsEnd AS end, coalesce(a.territories, []) AS territories,
           [(a)<-[:ON_ALBUM]-(t:Track) WHERE size(coalesce(t.offerFormats, [])) > 0 | t.key] AS tracks
    """,
)
PAGE = 10_000
NO_START = np.iinfo(np.int32).min
NO_END = np.iinfo(np.int32).max
KEPT_TERRITORIES = 64
"""Per-territory album masks kept per index (a territory is an ISO code, so the set is small anyway)."""

Positions = Mapping[str, int]
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SaleIndex:
    """Sellable tracks of one catalog version, over the positions of one item list."""

    version: int
    album_of: np.ndarray
    """Per item position: its album's number, or -1 when the item has no offer or is not in the catalog."""
    album_numbers: dict[str, int]
    starts: np.ndarray
    ends: np.ndarray
    worldwide: np.ndarray
    territory_albums: dict[str, np.ndarray]
    _masks: dict[tuple[str | None, date], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def open_albums(self, territory: str | None, day: date) -> np.ndarray:
        """A bool per album: licensed on `day` (and in `territory`, if given); kept per territory and day."""
        key = (territory, day)
        mask = self._masks.get(key)
        if mask is None:
            today = day.toordinal()
            mask = (self.starts <= today) & (today < self.ends)
            if territory is not None:
                licensed = self.worldwide.copy()
                licensed[self.territory_albums.get(territory.upper(), np.zeros(0, dtype=np.int64))] = True
                mask &= licensed
            if len(self._masks) >= KEPT_TERRITORIES:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def allows(self, positions: Positions, territory: str | None, day: date) -> Callable[[str], bool]:
        """A predicate over item keys: on sale in the territory on the day (as far as this version knows)."""
        open_albums = self.open_albums(territory, day)
        album_of = self.album_of

        def allowed(item: str) -> bool:
            album = int(album_of[positions[item]])
            return album >= 0 and bool(open_albums[album])

        return allowed

    def album_open(self, album: str, territory: str | None, day: date) -> bool | None:
        """Whether an album is on sale; None for an album this version does not know (newer)."""
        number = self.album_numbers.get(album)
        return None if number is None else bool(self.open_albums(territory, day)[number])


async def build(graph: Graph, positions: Positions, version: int) -> SaleIndex:
    """Read every album with its rights and offered tracks, page by page, into an index over `positions`."""
    builder = SaleIndexBuilder(positions)
    after = ""
    while True:
        rows = await graph.read(SALE_ALBUMS, {"after": after, "page": PAGE})
        for r in rows:
            builder.add(str(r["album"]), r["start"], r["end"], r["territories"], r["tracks"])
        if len(rows) < PAGE:
            return builder.finish(version)
        after = str(rows[-1]["album"])


class SaleIndexBuilder:
    """Accumulates album rows (as SALE_ALBUMS returns them) into a SaleIndex."""

    def __init__(self, positions: Positions) -> None:
        self._positions = positions
        self._album_of = np.full(len(positions), -1, dtype=np.int32)
        self._numbers: dict[str, int] = {}
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._worldwide: list[bool] = []
        self._by_territory: dict[str, list[int]] = {}

    def add(self, album: str, start: date | None, end: date | None, territories: Sequence[str],
            tracks: Sequence[str]) -> None:
        """One album: its rights window, territories and the keys of its tracks that have an offer."""
        number = self._numbers.setdefault(album, len(self._numbers))
        self._starts.append(start.toordinal() if start is not None else NO_START)
        self._ends.append(end.toordinal() if end is not None else NO_END)
        self._worldwide.append(WORLDWIDE in territories)
        for code in territories:
            self._by_territory.setdefault(str(code).upper(), []).append(number)
        for track in tracks:
            position = self._positions.get(track)
            if position is not None:
                self._album_of[position] = number

    def finish(self, version: int) -> SaleIndex:
        """The index of what was added, as of catalog `version`."""
        return SaleIndex(
            version, self._album_of, self._numbers, np.array(self._starts, dtype=np.int64),
            np.array(self._ends, dtype=np.int64), np.array(self._worldwide, dtype=bool),
            {t: np.array(a, dtype=np.int64) for t, a in self._by_territory.items()},
        )


class SaleIndexes:
    """The sale index of the current catalog version for each served item list (the last two models).

    A request names the catalog version it read; a moved version is rebuilt in the background while
    the previous index keeps answering (callers check what they show against the graph), and a new item
    list waits for its first build. One build at a time per item list.
    """

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._built: list[tuple[Positions, SaleIndex]] = []
        self._building: dict[int, asyncio.Task[SaleIndex]] = {}

    async def index(self, positions: Positions, version: int) -> SaleIndex:
        """The index over `positions`: of `version` when built, else the latest one there is."""
        found = next((index for p, index in self._built if p is positions), None)
        if found is not None and found.version == version:
            return found
        task = self._start(positions, version)
        return found if found is not None else await asyncio.shield(task)

    async def prepare(self, positions: Positions, version: int) -> None:
        """Build the index for a new item list before it is served."""
        await self.index(positions, version)

    def _start(self, positions: Positions, version: int) -> asyncio.Task[SaleIndex]:
        task = self._building.get(id(positions))
        if task is None:
            task = asyncio.create_task(self._build(positions, version))
            task.add_done_callback(_retrieved)
            self._building[id(positions)] = task
        return task

    async def _build(self, positions: Positions, version: int) -> SaleIndex:
        try:
            index = await build(self._graph, positions, version)
        except Exception as exc:
            _log.warning("could not build the sale index: %s", exc)
            raise
        finally:
            self._building.pop(id(positions), None)
        others = [(p, i) for p, i in self._built if p is not positions]
        self._built = [*others[-1:], (positions, index)]
        return index


def _retrieved(task: asyncio.Task[SaleIndex]) -> None:
    # a background rebuild's failure is logged in _build; nobody else may be waiting for it
    if not task.cancelled():
        task.exception()
