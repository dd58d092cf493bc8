"""Royalty statements: units, gross and royalties owed to a label for sales in a period.

Each sale line carries the price and royalty rate in force when it was sold, so a statement
never depends on today's prices. Amounts are summed exactly as Decimal; royalties are rounded
half-up to the cent once per album (price x units x rate summed first), and the statement's
total is the sum of those rounded album amounts, so the lines always add up to the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from graph.driver import Cypher, Graph

CENT = Decimal("0.01")

LABEL_SALES = Cypher(
    "label_sales",
    """
    MATCH (l:Label {key: $label})
    CALL (l) {
      MATCH (l)<-[:RELEASED_BY]-(a:Album)<-[:ON_ALBUM]-(:Track)<-[line:LINE]-(p:Purchase)
      WHERE p.purchasedAt >= $start AND p.purchasedAt < $end
      WITH a, p.currency AS currency, line.price AS price, line.royaltyRate AS rate, count(*) AS units
      RETURN collect({album: a.key, currency: currency, price: price, rate: rate, units: units}) AS sales
    }
    RETURN sales, [(l)<-[:RELEASED_BY]-(x:Album) WHERE x.currency IS NOT NULL | x.currency][0..1] AS albumCurrencies
    """,
)


@dataclass(frozen=True, slots=True)
class AlbumRoyalty:
    """One album's sales in the period."""

    album_key: str
    units: int
    gross: Decimal
    royalties_due: Decimal


@dataclass(frozen=True, slots=True)
class Statement:
    """A label's sales in one currency in [start, end] (whole UTC days)."""

    label_key: str
    currency: str
    lines: list[AlbumRoyalty]

    @property
    def units(self) -> int:
        """Units sold, all albums together."""
        return sum(line.units for line in self.lines)

    @property
    def gross(self) -> Decimal:
        """Gross sales, exact."""
        return sum((line.gross for line in self.lines), Decimal("0.00"))

    @property
    def royalties_due(self) -> Decimal:
        """The sum of the albums' rounded royalties."""
        return sum((line.royalties_due for line in self.lines), Decimal("0.00"))


class SeveralCurrencies(Exception):  # noqa: N818  (named after the situation the caller resolves)
    """The label sold in more than one currency in the period; a currency must be chosen."""

    def __init__(self, currencies: list[str]) -> None:
        super().__init__(f"sales in several currencies: {', '.join(currencies)}")
        self.currencies = currencies


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, the day after `end` 00:00 UTC): both days inclusive."""
    return (datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC))


def _album_lines(sales: list[dict[str, object]]) -> list[AlbumRoyalty]:
    units: dict[str, int] = defaultdict(int)
    gross: dict[str, Decimal] = defaultdict(Decimal)
    royalty: dict[str, Decimal] = defaultdict(Decimal)
    for sale in sales:
        album, n = str(sale["album"]), int(str(sale["units"]))
        amount = Decimal(str(sale["price"])) * n
        units[album] += n
        gross[album] += amount
        royalty[album] += amount * Decimal(str(sale["rate"]))
    lines = [
        AlbumRoyalty(a, units[a], gross[a], royalty[a].quantize(CENT, rounding=ROUND_HALF_UP)) for a in units
    ]
    return sorted(lines, key=lambda line: (-line.gross, line.album_key))


async def statement(
    graph: Graph, label_key: str, start: date, end: date, currency: str | None = None
) -> Statement | None:
    """The label's statement for [start, end]; None if there is no such label.

    Raises SeveralCurrencies when the label sold in several currencies and none was chosen.
    """
    lo, hi = day_bounds(start, end)
    rows = await graph.read(LABEL_SALES, {"label": label_key, "start": lo, "end": hi})
    if not rows:
        return None
    sales: list[dict[str, object]] = rows[0]["sales"]
    sold_in = sorted({str(s["currency"]) for s in sales})
    if currency is None and len(sold_in) > 1:
        raise SeveralCurrencies(sold_in)
    chosen = currency or (sold_in[0] if sold_in else _usual(rows[0]["albumCurrencies"]))
    return Statement(label_key, chosen, _album_lines([s for s in sales if s["currency"] == chosen]))


def _usual(currencies: list[str]) -> str:
    return currencies[0] if currencies else "USD"
