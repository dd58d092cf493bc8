"""Royalty statements: units, gross and royalties owed to a label for sales in a period.

Each sale line carries the price and royalty rate in force when it was sold, so a statement
never depends on today's prices. Amounts are summed exactly as Decimal; royalties are rounded
half-up to the cent once per album (price x units x rate summed first), and the statement's
total is the sum of those rounded album amounts, so the album lines always add up to the total.

The statement also breaks down by track and by territory. Its finest grain is a cell: one
track's sales in one territory. Each album's rounded royalties are shared among its cells by
cumulative rounding (in track, then territory order): every cell gets its proportional share to
within a cent, and the cells add up to the album's amount exactly. Tracks and territories are
sums of cells, so every breakdown adds up to the same total, to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from graph.currencies import smallest_unit
from graph.driver import Cypher, Graph

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

LABEL_SALES = Cypher(
    "label_sales",
    """
    MATCH (l:Label {key: $label})
    CALL (l) {
      MATCH (l)<-[:RELEASED_BY]-(a:Album)<-[:ON_ALBUM]-(t:Track)<-[line:LINE]-(p:Purchase)
      WHERE p.purchasedAt >= $start AND p.purchasedAt < $end
      WITH a, t, p.territory AS territory, p.currency AS currency, line.price AS price,
           line.royaltyRate AS rate, count(*) AS units
      RETURN collect({album: a.key, upc: a.upc, albumTitle: a.title, track: t.key, isrc: t.isrc,
                      trackTitle: t.title, territory: territory, currency: currency, price: price,
                      rate: rate, units: units}) AS sales
    }
    RETURN l.name AS name, sales,
           [(l)<-[:RELEASED_BY]-(x:Album) WHERE x.currency IS NOT NULL | x.currency][0..1] AS albumCurrencies
    """,
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One track's sales in one territory in the period, with its share of the album's royalties."""

    album_key: str
    upc: str | None
    album_title: str
    track_key: str
    isrc: str | None
    track_title: str
    territory: str
    units: int
    gross: Decimal
    royalties_due: Decimal


@dataclass(frozen=True, slots=True)
class Share:
    """Units, gross and royalties of one part of a statement: an album, a track or a territory."""

    key: str
    units: int
    gross: Decimal
    royalties_due: Decimal


@dataclass(frozen=True, slots=True)
class Statement:
    """A label's sales in one currency in [start, end] (whole UTC days)."""

    label_key: str
    label_name: str
    currency: str
    cells: list[Cell]

    @property
    def albums(self) -> list[Share]:
        """Sales per album, largest gross first."""
        return _shares(self.cells, lambda c: c.album_key)

    @property
    def tracks(self) -> list[Share]:
        """Sales per track, largest gross first."""
        return _shares(self.cells, lambda c: c.track_key)

    @property
    def territories(self) -> list[Share]:
        """Sales per territory (ISO 3166-1 alpha-2), largest gross first."""
        return _shares(self.cells, lambda c: c.territory)

    @property
    def units(self) -> int:
        """Units sold, all albums together."""
        return sum(c.units for c in self.cells)

    @property
    def gross(self) -> Decimal:
        """Gross sales, exact."""
        return sum((c.gross for c in self.cells), ZERO)

    @property
    def royalties_due(self) -> Decimal:
        """The sum of the albums' rounded royalties."""
        return sum((c.royalties_due for c in self.cells), ZERO)


class SeveralCurrencies(Exception):  # noqa: N818  (named after the situation the caller resolves)
    """The label sold in more than one currency in the period; a currency must be chosen."""

    def __init__(self, currencies: list[str]) -> None:
        super().__init__(f"sales in several currencies: {', '.join(currencies)}")
        self.currencies = currencies


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, the day after `end` 00:00 UTC): both days inclusive."""
    return (datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC))


def _shares(cells: Iterable[Cell], part: Callable[[Cell], str]) -> list[Share]:
    units: dict[str, int] = defaultdict(int)
    gross: dict[str, Decimal] = defaultdict(lambda: ZERO)
    due: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for cell in cells:
        key = part(cell)
        units[key] += cell.units
        gross[key] += cell.gross
        due[key] += cell.royalties_due
    shares = [Share(k, units[k], gross[k], due[k]) for k in units]
    return sorted(shares, key=lambda s: (-s.gross, s.key))


def apportion(exact: list[Decimal], total: Decimal, unit: Decimal = CENT) -> list[Decimal]:
    """`total` (whole cents, or whole `unit`s) shared in proportion to `exact` by cumulative rounding: the parts add
    up to `total` exactly, are never negative, and each is within a cent of its proportional share."""
    whole = sum(exact, Decimal(0))
    if not whole:
        return [ZERO for _ in exact]
    parts: list[Decimal] = []
    running, before = Decimal(0), ZERO
    for amount in exact:
        running += amount
        upto = (running * total / whole).quantize(unit, rounding=ROUND_HALF_UP)
        parts.append(upto - before)
        before = upto
    return parts


def _cells(sales: list[dict[str, Any]], unit: Decimal) -> list[Cell]:
    """Sales rows (one per price and rate) summed into cells, each album's royalties shared among its cells."""
    rows: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for sale in sales:
        rows[(str(sale["album"]), str(sale["track"]), str(sale["territory"]))].append(sale)
    by_album: dict[str, list[tuple[tuple[str, str, str], Decimal]]] = defaultdict(list)
    for key in sorted(rows):
        owed = sum((Decimal(str(s["price"])) * int(s["units"]) * Decimal(str(s["rate"])) for s in rows[key]),
                   Decimal(0))
        by_album[key[0]].append((key, owed))
    cells: list[Cell] = []
    for parts in by_album.values():
        exact = [amount for _, amount in parts]
        due = sum(exact, Decimal(0)).quantize(unit, rounding=ROUND_HALF_UP)
        for (key, _), share in zip(parts, apportion(exact, due, unit), strict=True):
            cells.append(_cell(rows[key], share))
    return cells


def _cell(rows: list[dict[str, Any]], royalties_due: Decimal) -> Cell:
    first = rows[0]
    return Cell(
        album_key=str(first["album"]), upc=first["upc"], album_title=str(first["albumTitle"]),
        track_key=str(first["track"]), isrc=first["isrc"], track_title=str(first["trackTitle"]),
        territory=str(first["territory"]),
        units=sum(int(r["units"]) for r in rows),
        gross=sum((Decimal(str(r["price"])) * int(r["units"]) for r in rows), ZERO),
        royalties_due=royalties_due,
    )


async def statement(
    graph: Graph, label_key: str, start: date, end: date, currency: str | None = None
) -> Statement | None:
    """The label's statement for [start, end] (one Cypher read); None if there is no such label.

    Raises SeveralCurrencies when the label sold in several currencies and none was chosen.
    """
    lo, hi = day_bounds(start, end)
    rows = await graph.read(LABEL_SALES, {"label": label_key, "start": lo, "end": hi})
    if not rows:
        return None
    sales: list[dict[str, Any]] = rows[0]["sales"]
    sold_in = sorted({str(s["currency"]) for s in sales})
    if currency is None and len(sold_in) > 1:
        raise SeveralCurrencies(sold_in)
    chosen = currency or (sold_in[0] if sold_in else _usual(rows[0]["albumCurrencies"]))
    cells = _cells([s for s in sales if s["currency"] == chosen], smallest_unit(chosen))
    return Statement(label_key, str(rows[0]["name"]), chosen, cells)


def _usual(currencies: list[str]) -> str:
    return currencies[0] if currencies else "USD"
