"""DDEX releases: what an ERN message says about one release, version-neutral, each value with its line.

`ddex_ern43` and `ddex_ern382` read their version's XML into these records (with the readers
here of the parts both versions shape alike: identifiers, P/C lines, deals, resource groups);
`ddex_mapping` turns them into the catalog feed's release object. Values stay the raw text of the message (checked
later), each with the source line where it was found, so a problem names its place in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from graph.importers.ddex_xml import kid, kids, line, text

Report = Callable[[int, str, str], None]
"""Records a problem: (source line, field, message)."""


@dataclass(frozen=True, slots=True)
class At:
    """A value of the message and the line it is on."""

    value: str
    line: int


def at(element: etree._Element | None, *path: str) -> At | None:
    """The text down a path of child names, with its line; None when absent or blank."""
    found = kid(element, *path) if path else element
    value = text(found)
    return At(value, line(found)) if value is not None and found is not None else None


@dataclass(frozen=True, slots=True)
class Notice:
    """A P line or C line: its year (optional) and text."""

    year: At | None
    text: At


@dataclass(frozen=True, slots=True)
class ReleaseIds:
    """A release's identifiers; its key is the ICPN, else the GRid, else the proprietary id."""

    line: int
    icpn: At | None = None
    grid: At | None = None
    proprietary: At | None = None
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class Deal:
    """One deal's terms, as far as a download store needs them."""

    line: int
    release_ref: At
    territories: tuple[At, ...] = ()
    excluded: tuple[At, ...] = ()
    start: At | None = None
    end: At | None = None
    use_types: tuple[str, ...] = ()
    takedown: bool = False
    tier: At | None = None
    wholesale: At | None = None
    wholesale_currency: At | None = None


@dataclass(frozen=True, slots=True)
class Recording:
    """A SoundRecording resource."""

    ref: str
    line: int
    isrc: At | None = None
    title: At | None = None
    duration: At | None = None
    artists: tuple[At, ...] = ()
    composer: At | None = None
    pline: Notice | None = None
    parental: At | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """An Image resource (artwork): its type and file."""

    ref: str
    line: int
    kind: At | None = None
    uri: At | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """A place on the release: a resource reference with its disc and track number."""

    ref: At
    disc: int
    number: int


@dataclass(slots=True)
class ErnRelease:
    """The main release of a NewReleaseMessage with the resources and deals it refers to."""

    line: int
    ref: str
    ids: ReleaseIds
    type: At | None = None
    title: At | None = None
    artists: tuple[At, ...] = ()
    label: At | None = None
    genres: tuple[At, ...] = ()
    release_date: At | None = None
    pline: Notice | None = None
    cline: Notice | None = None
    parental: At | None = None
    items: list[Item] = field(default_factory=list)
    recordings: dict[str, Recording] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    deals: list[Deal] = field(default_factory=list)
    track_release_refs: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Purge:
    """A PurgeReleaseMessage's release."""

    ids: ReleaseIds


def notice(element: etree._Element | None, kind: str) -> Notice | None:
    """A PLine or CLine element (`kind` "P" or "C"), None when absent."""
    if element is None:
        return None
    body = at(element, f"{kind}LineText")
    return Notice(at(element, "Year"), body or At("", line(element)))


def release_ids(element: etree._Element | None, fallback_line: int) -> ReleaseIds:
    """The identifiers in a ReleaseId element (both versions name them alike)."""
    if element is None:
        return ReleaseIds(fallback_line)
    proprietary = kid(element, "ProprietaryId")
    return ReleaseIds(
        line(element),
        icpn=at(element, "ICPN") or at(element, "EAN") or at(element, "UPC"),
        grid=at(element, "GRid"),
        proprietary=at(proprietary),
        namespace=_namespace(proprietary),
    )


def _namespace(element: etree._Element | None) -> str | None:
    value = (element.get("Namespace") or "").strip() if element is not None else ""
    return value or None


def _deal_terms(terms: etree._Element, ref: At, deal_line: int) -> Deal:
    price = kid(terms, "PriceInformation")
    wholesale = kid(price, "WholesalePricePerUnit")
    usage = kid(terms, "Usage")  # 3.8.2 wraps UseType in Usage; 4.3 does not
    uses = [*kids(terms, "UseType"), *kids(usage, "UseType")]
    currency = wholesale.get("CurrencyCode") if wholesale is not None else None
    return Deal(
        line=deal_line,
        release_ref=ref,
        territories=tuple(a for e in kids(terms, "TerritoryCode") if (a := at(e)) is not None),
        excluded=tuple(a for e in kids(terms, "ExcludedTerritoryCode") if (a := at(e)) is not None),
        start=at(terms, "ValidityPeriod", "StartDate"),
        end=at(terms, "ValidityPeriod", "EndDate"),
        use_types=tuple(u.text.strip() for u in uses if u.text and u.text.strip()),
        takedown=(text(terms, "TakeDown") or "").lower() == "true",
        tier=at(price, "PriceRangeType") or at(price, "PriceType"),
        wholesale=at(wholesale),
        wholesale_currency=At(currency.strip(), line(wholesale)) if currency and wholesale is not None else None,
    )


def deals(root: etree._Element) -> list[Deal]:
    """Every deal of the DealList, one per release it names (both versions share this shape)."""
    result: list[Deal] = []
    for release_deal in kids(kid(root, "DealList"), "ReleaseDeal"):
        refs = [a for e in kids(release_deal, "DealReleaseReference") if (a := at(e)) is not None]
        for deal in kids(release_deal, "Deal"):
            terms = kid(deal, "DealTerms")
            if terms is None:
                continue
            result.extend(_deal_terms(terms, ref, line(deal)) for ref in refs)
    return result


def _number(element: etree._Element, default: int) -> int:
    raw = text(element, "SequenceNumber") or element.get("SequenceNumber") or ""
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else default


def items(group: etree._Element | None) -> list[Item]:
    """The ResourceGroup's content items in order: a nested group is a disc, else all are disc 1."""
    result: list[Item] = []
    discs = list(kids(group, "ResourceGroup"))
    for disc_index, disc in enumerate(discs or ([group] if group is not None else []), 1):
        disc_number = _number(disc, disc_index) if discs else 1
        for position, item in enumerate(kids(disc, "ResourceGroupContentItem"), 1):
            ref = at(item, "ReleaseResourceReference")
            if ref is not None:
                result.append(Item(ref, disc_number, _number(item, position)))
    return result
