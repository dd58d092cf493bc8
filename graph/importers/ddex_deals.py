"""DDEX deals: an ERN release's download deals as the feed's `rights` and `prices`.

The feed keeps one territory list, one sale period and one price list per release, so:

- the deals of the main release with UseType PermanentDownload (or no UseType) count; streaming
  deals are checked but sell nothing here; deals of track releases are checked, not priced;
- their territories are united (`Worldwide` is every ISO 3166-1 code, less ExcludedTerritoryCode);
- they must share one ValidityPeriod and one price tier, or the message is refused (no guessing);
- EndDate is the last day on sale (DDEX), so the feed's `end` (first day off) is the day after;
  `TakeDown` true ends the deal on the message's date (an ended deal is a takedown);
- the price tier (PriceRangeType, else PriceType) picks the store's retail prices from TIERS (USD);
  WholesalePricePerUnit (USD), when given, sets the royalty rate: wholesale / retail price,
  else DEFAULT_ROYALTY_RATE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from graph.importers.ddex_release import At, Deal, ErnRelease, Report
from graph.release import WORLDWIDE
from graph.territories import ISO_3166_ALPHA2, likely_meant

CURRENCY = "USD"
DEFAULT_ROYALTY_RATE = Decimal("0.70")
DOWNLOAD_USES = frozenset({"PermanentDownload", "Download"})
MAX_DEALS = 2_000
"""Deals in one message: one per territory and use for every track release of a box set stays below."""


@dataclass(frozen=True, slots=True)
class Tier:
    """A price tier: album and track prices by format (USD)."""

    album: dict[str, str]
    track: dict[str, str]


_BUDGET = Tier({"MP3_320": "5.99", "FLAC_16_44": "7.99"}, {"MP3_320": "0.69", "FLAC_16_44": "0.89"})
_MID = Tier({"MP3_320": "7.99", "FLAC_16_44": "9.99"}, {"MP3_320": "0.99", "FLAC_16_44": "1.29"})
_FRONT = Tier({"MP3_320": "9.99", "FLAC_16_44": "11.99"}, {"MP3_320": "1.29", "FLAC_16_44": "1.49"})
_PREMIUM = Tier({"MP3_320": "11.99", "FLAC_16_44": "14.99"}, {"MP3_320": "1.29", "FLAC_16_44": "1.69"})
TIERS: dict[str, Tier] = {
    "Budget": _BUDGET, "Mid": _MID, "MidPrice": _MID, "Front": _FRONT, "FrontLine": _FRONT,
    "Full": _FRONT, "FullPrice": _FRONT, "Premium": _PREMIUM,
}

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{1,4})?", re.ASCII)


def parse_date(value: At, field_name: str, report: Report) -> date | None:
    """A yyyy-mm-dd date, or None after reporting the problem."""
    if _DATE.fullmatch(value.value):
        try:
            return date.fromisoformat(value.value)
        except ValueError:
            pass
    report(value.line, field_name, f"not a date (yyyy-mm-dd): {value.value!r}")
    return None


def territories(deal: Deal, report: Report) -> set[str]:
    """The ISO codes a deal covers (problems reported for unknown codes)."""
    codes: set[str] = set()
    if not deal.territories:
        report(deal.line, "DealTerms.TerritoryCode", "is required (a code or Worldwide)")
    for code in deal.territories:
        if code.value == "Worldwide":
            codes |= ISO_3166_ALPHA2
        elif _known(code, "DealTerms.TerritoryCode", report):
            codes.add(code.value)
    for code in deal.excluded:
        if _known(code, "DealTerms.ExcludedTerritoryCode", report):
            codes.discard(code.value)
    return codes


def _known(code: At, field_name: str, report: Report) -> bool:
    if code.value in ISO_3166_ALPHA2:
        return True
    meant = likely_meant(code.value)
    hint = f" (did you mean {meant!r}?)" if meant is not None else ""
    report(code.line, field_name, f"unknown territory {code.value!r}: not an ISO 3166-1 alpha-2 code{hint}")
    return False


@dataclass(slots=True)
class _Terms:
    """What the main release's download deals agree on."""

    codes: set[str] = field(default_factory=set)
    periods: set[tuple[date | None, date | None]] = field(default_factory=set)
    tiers: dict[str, At] = field(default_factory=dict)
    wholesale: At | None = None
    first: Deal | None = None


def _period(deal: Deal, today: date, report: Report) -> tuple[date | None, date | None] | None:
    start = parse_date(deal.start, "ValidityPeriod.StartDate", report) if deal.start else None
    last = parse_date(deal.end, "ValidityPeriod.EndDate", report) if deal.end else None
    if (deal.start and start is None) or (deal.end and last is None):
        return None
    end = last + timedelta(days=1) if last is not None else None
    if start is not None and last is not None and last < start and deal.end:
        report(deal.end.line, "ValidityPeriod.EndDate", f"{last} is before StartDate {start}")
        return None
    if deal.takedown:
        end = min(end, today) if end is not None else today
        start = start if start is not None and start < end else None
    return start, end


def _check_deal(deal: Deal, release: ErnRelease, today: date, terms: _Terms, report: Report) -> None:
    codes = territories(deal, report)
    period = _period(deal, today, report)
    if deal.release_ref.value != release.ref:
        if deal.release_ref.value not in release.track_release_refs:
            missing = f"no Release {deal.release_ref.value!r} in the ReleaseList"
            report(deal.release_ref.line, "DealReleaseReference", missing)
        return
    if deal.use_types and not DOWNLOAD_USES & set(deal.use_types):
        return
    terms.first = terms.first or deal
    terms.codes |= codes
    if period is not None:
        terms.periods.add(period)
    if deal.tier is None:
        report(deal.line, "PriceInformation", f"no price tier (PriceRangeType or PriceType: {', '.join(TIERS)})")
    elif deal.tier.value not in TIERS:
        known = ", ".join(TIERS)
        report(deal.tier.line, "PriceInformation", f"unknown price tier {deal.tier.value!r} (known: {known})")
    else:
        terms.tiers.setdefault(deal.tier.value, deal.tier)
    terms.wholesale = terms.wholesale or deal.wholesale
    if deal.wholesale_currency is not None and deal.wholesale_currency.value != CURRENCY:
        report(deal.wholesale_currency.line, "WholesalePricePerUnit.CurrencyCode", f"must be {CURRENCY}")


def rights_and_prices(
    release: ErnRelease, release_type: str, today: date, report: Report, where: dict[str, tuple[int, str]]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The feed's `rights` and `prices` of a release's deals (None where a problem was reported)."""
    terms = _Terms()
    if len(release.deals) > MAX_DEALS:
        report(release.line, "DealList", f"too many deals: {len(release.deals)} (at most {MAX_DEALS})")
        return None, None
    for deal in release.deals:
        _check_deal(deal, release, today, terms, report)
    if terms.first is None:
        report(release.line, "DealList", "no download deal (UseType PermanentDownload) for the main release")
        return None, None
    if len(terms.periods) > 1:
        report(terms.first.line, "ValidityPeriod", "the release's download deals have different periods")
    if len(terms.tiers) > 1:
        report(terms.first.line, "PriceInformation", "the release's download deals have different price tiers")
    if len(terms.periods) != 1 or len(terms.tiers) != 1:
        return None, None
    (start, end), = terms.periods
    (tier_name, tier_at), = terms.tiers.items()
    tier = TIERS[tier_name]
    album = tier.track if release_type == "SINGLE" else tier.album
    rate = _rate(terms.wholesale, Decimal(album["MP3_320"]), report)
    first = terms.first
    where["rights"] = (first.line, "DealTerms")
    where["rights.territories"] = (first.territories[0].line if first.territories else first.line, "TerritoryCode")
    where["rights.start"] = (first.start.line if first.start else first.line, "ValidityPeriod.StartDate")
    where["rights.end"] = (first.end.line if first.end else first.line, "ValidityPeriod.EndDate")
    where["rights.royaltyRate"] = (terms.wholesale.line if terms.wholesale else first.line, "WholesalePricePerUnit")
    where["prices"] = (tier_at.line, "PriceInformation")
    listed = [WORLDWIDE] if terms.codes == ISO_3166_ALPHA2 else sorted(terms.codes)
    rights = {"territories": listed, "royaltyRate": rate, "start": _iso(start), "end": _iso(end)}
    return rights, {"currency": CURRENCY, "album": dict(album), "track": dict(tier.track)}


def _rate(wholesale: At | None, retail: Decimal, report: Report) -> str:
    if wholesale is None:
        return str(DEFAULT_ROYALTY_RATE)
    if not _AMOUNT.fullmatch(wholesale.value):
        report(wholesale.line, "WholesalePricePerUnit", f"not a price: {wholesale.value!r}")
        return str(DEFAULT_ROYALTY_RATE)
    amount = Decimal(wholesale.value)
    if amount > retail:
        report(wholesale.line, "WholesalePricePerUnit", f"{amount} is above the tier's retail price {retail}")
        return str(DEFAULT_ROYALTY_RATE)
    return str((amount / retail).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
