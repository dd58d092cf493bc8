"""A feed line's `prices`: one price list (an object, as ever) or several, one per currency (a list).

Each list: `currency` (ISO 4217), `album` and `track` (format -> price), optional `fallback`
(boolean). A buyer pays from the list in their territory's currency; a territory whose currency
has no list is charged from the `fallback` list. The single-object form is a fallback unless it
says `"fallback": false` (old feeds keep charging their one currency everywhere); in the list
form at most one list is, and none unless it says so. Every territory of `rights.territories`
(all of them for `"*"`) must be priced: its currency's list, or a fallback. Every list prices the
same formats as the first; amounts have at most the currency's decimals (JPY none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graph.currencies import ISO_4217, currency_of, minor_units, smallest_unit
from graph.importers.feed_fields import MISSING, FieldChecker, type_name
from graph.release import WORLDWIDE, Offer, PriceList
from graph.territories import ISO_3166_ALPHA2

MAX_PRICE_LISTS = len(ISO_4217)
MAX_SHOWN_UNPRICED = 10
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)


@dataclass(frozen=True, slots=True)
class FeedPrices:
    """The release's own list (the fallback when there is one), the others, and whether it is a fallback."""

    own: PriceList
    others: tuple[PriceList, ...]
    fallback: bool


def feed_prices(check: FieldChecker, obj: dict[str, Any], territories: tuple[str, ...] | None) -> FeedPrices | None:
    """The line's `prices`, checked (problems go to `check`); None when they are not usable."""
    raw = check.get(obj, "prices", "", required=True)
    if raw is MISSING:
        return None
    if isinstance(raw, list):
        items = check.list_(raw, "prices", most=MAX_PRICE_LISTS)
        if items is None:
            return None
        parsed = [_one(check, item, f"prices[{i}]", default_fallback=False) for i, item in enumerate(items)]
    else:
        parsed = [_one(check, raw, "prices", default_fallback=True)]
    if any(p is None for p in parsed):
        return None
    lists = [p for p in parsed if p is not None]
    if not _consistent(check, lists, isinstance(raw, list)):
        return None
    fallbacks = [p for p, fallback in lists if fallback]
    own = fallbacks[0] if fallbacks else lists[0][0]
    if territories is not None:
        _covered(check, territories, {p.currency for p, _ in lists}, bool(fallbacks))
    return FeedPrices(own, tuple(p for p, _ in lists if p is not own), bool(fallbacks))


def _one(check: FieldChecker, value: object, path: str, default_fallback: bool) -> tuple[PriceList, bool] | None:
    prices = check.obj(value, path)
    if prices is None:
        return None
    currency = _currency(check, check.get(prices, "currency", path, required=True), f"{path}.currency")
    fallback = check.get(prices, "fallback", path, required=False)
    if fallback is not MISSING and not isinstance(fallback, bool):
        check.bad(f"{path}.fallback", f"must be true or false, not {type_name(fallback)}")
    album = _offers(check, prices, "album", path, currency)
    track = _offers(check, prices, "track", path, currency)
    if album == () and track == ():
        check.bad(path, "no album or track prices: nothing to sell")
    if currency is None or album is None or track is None:
        return None
    chosen = default_fallback if fallback is MISSING or not isinstance(fallback, bool) else fallback
    return PriceList(currency, album, track), chosen


def _currency(check: FieldChecker, value: object, path: str) -> str | None:
    if value is MISSING:
        return None
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        check.bad(path, "not a currency code (3 uppercase letters, ISO 4217)")
        return None
    if value not in ISO_4217:
        check.bad(path, f"{value} is not an ISO 4217 currency code in use")
        return None
    return value


def _offers(
    check: FieldChecker, prices: dict[str, Any], key: str, path: str, currency: str | None
) -> tuple[Offer, ...] | None:
    raw = check.get(prices, key, path, required=False)
    if raw is MISSING:
        return ()
    offers = check.offers(raw, f"{path}.{key}")
    if offers is None or currency is None:
        return offers
    unit, fine = smallest_unit(currency), True
    for o in offers:
        if o.price != o.price.quantize(unit):
            digits = minor_units(currency)
            rule = f"have at most {digits} decimals" if digits else "are whole"
            check.bad(f"{path}.{key}.{o.format}", f"{currency} amounts {rule}")
            fine = False
    return tuple(Offer(o.format, o.price.quantize(unit)) for o in offers) if fine else None


def _consistent(check: FieldChecker, lists: list[tuple[PriceList, bool]], listed: bool) -> bool:
    """Distinct currencies, at most one fallback, and the same formats in every list."""
    fine, first = True, lists[0][0]
    seen: set[str] = set()
    for i, (p, _) in enumerate(lists):
        path = f"prices[{i}]" if listed else "prices"
        if p.currency in seen:
            check.bad(f"{path}.currency", f"{p.currency} has two price lists")
            fine = False
        seen.add(p.currency)
        for key, mine, theirs in (("album", p.album_offers, first.album_offers),
                                  ("track", p.track_offers, first.track_offers)):
            if [o.format for o in mine] != [o.format for o in theirs]:
                shown = ", ".join(o.format for o in theirs) or "none"
                check.bad(f"{path}.{key}", f"must price the same formats as prices[0].{key} ({shown})")
                fine = False
    if sum(fallback for _, fallback in lists) > 1:
        check.bad("prices", "at most one price list may be the fallback")
        fine = False
    return fine


def _covered(check: FieldChecker, territories: tuple[str, ...], currencies: set[str], fallback: bool) -> None:
    if fallback:
        return
    where = sorted(ISO_3166_ALPHA2) if WORLDWIDE in territories else territories
    unpriced = [f"{t} ({currency_of(t)})" for t in where if currency_of(t) not in currencies]
    if unpriced:
        shown = ", ".join(unpriced[:MAX_SHOWN_UNPRICED]) + (" …" if len(unpriced) > MAX_SHOWN_UNPRICED else "")
        check.bad("prices", f"no price where rights.territories sell: {shown}; add a list in that currency "
                            'or mark one "fallback": true')
