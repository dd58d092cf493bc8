"""Catalog feed (JSON Lines, `catalog-feed.md`) -> validated `Release` records, and back.

`parse_feed` validates the whole feed before anything is written and reports every problem at
once, each as `line N: field.path: message` (line numbers count blank lines too, from 1; list
indexes count from 0: `tracks[3]` is the fourth track).

Fields (unknown fields are ignored):

| field | |
|---|---|
| `upc` | required; 12 digits (UPC-A) or 13 (EAN-13), GS1 check digit verified |
| `title`, `type`, `releaseDate` | required; type ALBUM/EP/SINGLE/COMPILATION, date yyyy-mm-dd |
| `artists` | required, non-empty list of `{key, name}` |
| `label` | optional `{key, name}` (or null) |
| `genres` | optional list of names (a genre's key is the slug of its name) |
| `rights` | required: `territories` (ISO codes or `["*"]`), `royaltyRate` ("0".."1");
  `start`, `end` optional (null = open), end after start |
| `prices` | required: `currency` (3 letters); `album`, `track`: format -> price, optional
  but not both empty |
| `tracks` | required, non-empty; each: `isrc`, `title`, `durationMs`, `trackNumber` required;
  `discNumber` (default 1), `composer`, `artists` (default: the album's) optional |

Normal forms, so that a re-delivery with cosmetic differences is recognised as unchanged: the
UPC becomes 13 digits (a 12-digit UPC-A gets a leading 0) and is the release's key; an ISRC is
uppercased without dashes and is the track's key; names and titles are stripped; territories
are sorted; prices have 2 decimals; royalty rates at least 2; tracks are sorted by
(disc, track); offers follow `FEED_FORMATS` order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from graph.release import (
    RELEASE_TYPES,
    WORLDWIDE,
    Offer,
    PartyRef,
    Release,
    Rights,
    TrackRecord,
)
from graph.slug import slugify
from graph.territories import COMMON_MISTAKES, ISO_3166_ALPHA2

FEED_FORMATS: tuple[str, ...] = ("MP3_320", "AAC_256", "FLAC_16_44", "FLAC_24_96")
MAX_PROBLEMS_SHOWN = 1000
CENT = Decimal("0.01")

_UPC = re.compile(r"[0-9]{12,13}", re.ASCII)
_ISRC = re.compile(r"([A-Z]{2})-?([A-Z0-9]{3})-?([0-9]{2})-?([0-9]{5})", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_PRICE = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_RATE = re.compile(r"[0-9]+(\.[0-9]{1,4})?", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
_MISSING: Any = object()


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a feed: `line 17: tracks[3].isrc: not a valid ISRC`."""

    line: int
    path: str
    message: str

    def __str__(self) -> str:
        if self.path:
            return f"line {self.line}: {self.path}: {self.message}"
        return f"line {self.line}: {self.message}"


class FeedError(ValueError):
    """A feed rejected whole; `problems` holds every problem, in line order."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self._describe())

    def _describe(self) -> str:
        count = len(self.problems)
        where = f"{self.source}: " if self.source else ""
        head = f"{where}feed rejected, {count} problem{'' if count == 1 else 's'}:"
        lines = [head, *(str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN])]
        if count > MAX_PROBLEMS_SHOWN:
            lines.append(f"... and {count - MAX_PROBLEMS_SHOWN} more")
        return "\n".join(lines)


# --------------------------------------------------------------------------- codes


def gs1_check_digit(body: str) -> int:
    """The GS1 check digit of a UPC/EAN body (its digits but the last; weights 3,1,3,... from
    the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_upc(upc: str) -> str | None:
    """The 13-digit form of a valid UPC-A / EAN-13 (check digit verified), else None."""
    if not _UPC.fullmatch(upc) or gs1_check_digit(upc[:-1]) != int(upc[-1]):
        return None
    return upc.rjust(13, "0")


def normalize_isrc(isrc: str) -> str | None:
    """`CCXXXYYNNNNN` (uppercase, dashes removed) for a valid ISRC, else None."""
    match = _ISRC.fullmatch(isrc.upper())
    return "".join(match.groups()) if match else None


# --------------------------------------------------------------------------- parsing


def parse_feed(lines: Iterable[str], source: str | None = None) -> list[Release]:
    """Every release of a feed, or FeedError listing every problem of the whole feed."""
    checker = _FeedChecker()
    for number, text in enumerate(lines, 1):
        checker.add_line(number, text.removeprefix("\ufeff") if number == 1 else text)
    return checker.result(source)


def parse_feed_file(path: Path) -> list[Release]:
    """`parse_feed` over a file (UTF-8; a line that is not valid UTF-8 is a problem too)."""
    checker = _FeedChecker()
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                checker.problems.append(Problem(number, "", f"not valid UTF-8 ({exc.reason})"))
                continue
            checker.add_line(number, text.removeprefix("\ufeff") if number == 1 else text)
    return checker.result(str(path))


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class _DupDict(dict[str, Any]):
    """A JSON object in which some keys appeared more than once (the last value won)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    dupes: dict[str, None] = {}
    for key, _ in pairs:
        if key in seen:
            dupes[key] = None
        seen.add(key)
    marked = _DupDict(result)
    marked.duplicates = tuple(dupes)
    return marked


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _FeedChecker:
    """Validates line after line, remembering what cross-line checks need."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.releases: list[Release] = []
        self.upcs: dict[str, int] = {}
        self.isrcs: dict[str, tuple[int, str]] = {}
        self.names: dict[tuple[str, str], tuple[str, int]] = {}

    def add_line(self, number: int, text: str) -> None:
        if not text.strip():
            return
        try:
            value = json.loads(text, object_pairs_hook=_object_pairs, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            self.problems.append(Problem(number, "", f"not valid JSON: {exc.msg} (column {exc.colno})"))
            return
        except (ValueError, RecursionError) as exc:
            self.problems.append(Problem(number, "", f"not valid JSON: {exc}"))
            return
        if not isinstance(value, dict):
            self.problems.append(Problem(number, "", f"not a JSON object (got {_type_name(value)})"))
            return
        release = _LineChecker(self, number).release(value)
        if release is not None:
            self.releases.append(release)

    def result(self, source: str | None) -> list[Release]:
        if self.problems:
            raise FeedError(self.problems, source)
        return self.releases


class _LineChecker:
    """The checks of one line; `release()` is None when the line had any problem."""

    def __init__(self, feed: _FeedChecker, number: int) -> None:
        self.feed = feed
        self.number = number
        self.ok = True

    def bad(self, path: str, message: str) -> None:
        self.ok = False
        self.feed.problems.append(Problem(self.number, path, message))

    # ---- generic shapes

    def get(self, obj: dict[str, Any], key: str, prefix: str, required: bool) -> Any:
        """obj[key]; _MISSING when absent or null (a problem when required)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.bad(_join(prefix, key), "is required")
            return _MISSING
        return value

    def obj(self, value: object, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(path, f"must be an object, not {_type_name(value)}")
            return None
        if isinstance(value, _DupDict):
            for key in value.duplicates:
                self.bad(_join(path, key), "appears more than once in this object")
        return value

    def list_(self, value: object, path: str, *, empty_ok: bool = False) -> list[Any] | None:
        if not isinstance(value, list):
            self.bad(path, f"must be a list, not {_type_name(value)}")
            return None
        if not value and not empty_ok:
            self.bad(path, "must not be empty")
            return None
        return value

    def text(self, obj: dict[str, Any], key: str, prefix: str, required: bool = True) -> str | None:
        value = self.get(obj, key, prefix, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.bad(_join(prefix, key), f"must be a string, not {_type_name(value)}")
            return None
        if not value.strip():
            self.bad(_join(prefix, key), "must not be blank")
            return None
        return value.strip()

    def positive_int(self, obj: dict[str, Any], key: str, prefix: str, default: int | None) -> int:
        value = self.get(obj, key, prefix, required=default is None)
        if value is _MISSING:
            return default or 0
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.bad(_join(prefix, key), "must be a positive whole number")
            return 0
        return value

    def date_(self, value: object, path: str) -> date | None:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            self.bad(path, "not a date (yyyy-mm-dd)")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.bad(path, "not a date (yyyy-mm-dd)")
            return None

    def party(self, value: object, path: str, kind: str) -> PartyRef | None:
        obj = self.obj(value, path)
        if obj is None:
            return None
        key = self.get(obj, "key", path, required=True)
        name = self.text(obj, "name", path)
        if key is _MISSING:
            return None
        if not isinstance(key, str):
            self.bad(f"{path}.key", f"must be a string, not {_type_name(key)}")
            return None
        if not key.strip():
            self.bad(f"{path}.key", "must not be blank")
            return None
        if key != key.strip():
            self.bad(f"{path}.key", "must not start or end with whitespace")
            return None
        if name is None:
            return None
        first = self.feed.names.setdefault((kind, key), (name, self.number))
        if first[0] != name:
            self.bad(
                f"{path}.name",
                f"{kind} {key!r} is named {first[0]!r} on line {first[1]}, here {name!r}",
            )
            return None
        return PartyRef(key, name)

    def parties(self, value: object, path: str) -> tuple[PartyRef, ...] | None:
        items = self.list_(value, path)
        if items is None:
            return None
        result: list[PartyRef] = []
        positions: dict[str, int] = {}
        for i, item in enumerate(items):
            ref = self.party(item, f"{path}[{i}]", "artist")
            if ref is None:
                continue
            if ref.key in positions:
                self.bad(f"{path}[{i}].key", f"same artist as {path}[{positions[ref.key]}]")
                continue
            positions[ref.key] = i
            result.append(ref)
        return tuple(result)

    def price(self, value: object, path: str) -> Decimal | None:
        if not isinstance(value, str):
            self.bad(
                path,
                f'must be a decimal string such as "0.99", not {_type_name(value)} (money is never a float)',
            )
            return None
        if not _PRICE.fullmatch(value):
            self.bad(path, 'not a price (a decimal string such as "0.99")')
            return None
        amount = Decimal(value)
        if value.startswith("-"):
            self.bad(path, "must not be negative")
            return None
        if amount != amount.quantize(CENT):
            self.bad(path, "at most 2 decimals")
            return None
        return amount.quantize(CENT)

    def offers(self, value: object, path: str) -> tuple[Offer, ...] | None:
        table = self.obj(value, path)
        if table is None:
            return None
        prices: dict[str, Decimal] = {}
        valid = True
        for fmt, raw in table.items():
            if fmt not in FEED_FORMATS:
                self.bad(f"{path}.{fmt}", f"unknown format (known: {', '.join(FEED_FORMATS)})")
                valid = False
                continue
            amount = self.price(raw, f"{path}.{fmt}")
            if amount is None:
                valid = False
            else:
                prices[fmt] = amount
        if not valid:
            return None
        return tuple(Offer(fmt, prices[fmt]) for fmt in FEED_FORMATS if fmt in prices)

    # ---- the release

    def release(self, obj: dict[str, Any]) -> Release | None:
        self.obj(obj, "")  # duplicate top-level keys
        upc = self.upc(obj)
        title = self.text(obj, "title", "")
        rtype = self.get(obj, "type", "", required=True)
        if rtype is not _MISSING and rtype not in RELEASE_TYPES:
            self.bad("type", f"must be one of {', '.join(RELEASE_TYPES)}")
        raw_date = self.get(obj, "releaseDate", "", required=True)
        release_date = None if raw_date is _MISSING else self.date_(raw_date, "releaseDate")

        raw_artists = self.get(obj, "artists", "", required=True)
        artists = None if raw_artists is _MISSING else self.parties(raw_artists, "artists")
        raw_label = self.get(obj, "label", "", required=False)
        label = None if raw_label is _MISSING else self.party(raw_label, "label", "label")
        genres = self.genres(obj)
        rights = self.rights(obj)
        currency, album_offers, track_offers = self.prices(obj)
        tracks = self.tracks(obj, artists or (), track_offers, genres[0] if genres else None)

        if not self.ok:
            return None
        assert upc is not None
        assert title is not None
        assert release_date is not None
        assert artists is not None
        assert rights is not None
        assert currency is not None
        return Release(
            key=upc,
            title=title,
            type=str(rtype),
            artists=artists,
            genres=genres,
            rights=rights,
            currency=currency,
            album_offers=album_offers,
            tracks=tuple(sorted(tracks, key=lambda t: (t.disc_number, t.track_number))),
            upc=upc,
            release_date=release_date,
            label=label,
        )

    def upc(self, obj: dict[str, Any]) -> str | None:
        raw = self.get(obj, "upc", "", required=True)
        if raw is _MISSING:
            return None
        if not isinstance(raw, str):
            self.bad("upc", f"must be a string, not {_type_name(raw)}")
            return None
        if not _UPC.fullmatch(raw):
            self.bad("upc", "not a valid UPC (12 digits UPC-A or 13 digits EAN-13)")
            return None
        upc = normalize_upc(raw)
        if upc is None:
            check = gs1_check_digit(raw[:-1])
            self.bad("upc", f"not a valid UPC: wrong check digit (should be {check})")
            return None
        first = self.feed.upcs.setdefault(upc, self.number)
        if first != self.number:
            self.bad("upc", f"duplicate UPC, also on line {first}")
            return None
        return upc

    def genres(self, obj: dict[str, Any]) -> tuple[str, ...]:
        raw = self.get(obj, "genres", "", required=False)
        if raw is _MISSING:
            return ()
        items = self.list_(raw, "genres", empty_ok=True)
        if items is None:
            return ()
        names: list[str] = []
        slugs: dict[str, int] = {}
        for i, item in enumerate(items):
            path = f"genres[{i}]"
            if not isinstance(item, str) or not item.strip():
                self.bad(path, "must be a genre name (a non-blank string)")
                continue
            slug = slugify(item)
            if not slug:
                self.bad(path, "must contain a letter or digit")
            elif slug in slugs:
                self.bad(path, f"same genre as genres[{slugs[slug]}]")
            else:
                slugs[slug] = i
                names.append(item.strip())
        return tuple(names)

    def rights(self, obj: dict[str, Any]) -> Rights | None:
        raw = self.get(obj, "rights", "", required=True)
        if raw is _MISSING:
            return None
        rights = self.obj(raw, "rights")
        if rights is None:
            return None
        territories = self.territories(rights)
        rate = self.royalty_rate(rights)
        start = end = None
        raw_start = self.get(rights, "start", "rights", required=False)
        if raw_start is not _MISSING:
            start = self.date_(raw_start, "rights.start")
        raw_end = self.get(rights, "end", "rights", required=False)
        if raw_end is not _MISSING:
            end = self.date_(raw_end, "rights.end")
        if start is not None and end is not None and end <= start:
            self.bad("rights.end", "must be after rights.start (end is the first day off sale)")
        if territories is None or rate is None:
            return None
        return Rights(territories=territories, royalty_rate=rate, start=start, end=end)

    def territories(self, rights: dict[str, Any]) -> tuple[str, ...] | None:
        raw = self.get(rights, "territories", "rights", required=True)
        if raw is _MISSING:
            return None
        items = self.list_(raw, "rights.territories")
        if items is None:
            return None
        if WORLDWIDE in items:
            if items != [WORLDWIDE]:
                self.bad("rights.territories", '"*" (worldwide) must be the only entry')
                return None
            return (WORLDWIDE,)
        codes: dict[str, int] = {}
        for i, code in enumerate(items):
            path = f"rights.territories[{i}]"
            if not isinstance(code, str) or code not in ISO_3166_ALPHA2:
                hint = ""
                if isinstance(code, str):
                    meant = COMMON_MISTAKES.get(code.upper(), code.upper())
                    if meant in ISO_3166_ALPHA2:
                        hint = f" (did you mean {meant!r}?)"
                self.bad(path, f"not an ISO 3166-1 alpha-2 country code{hint}")
            elif code in codes:
                self.bad(path, f"same territory as rights.territories[{codes[code]}]")
            else:
                codes[code] = i
        return tuple(sorted(codes))

    def royalty_rate(self, rights: dict[str, Any]) -> Decimal | None:
        raw = self.get(rights, "royaltyRate", "rights", required=True)
        if raw is _MISSING:
            return None
        if not isinstance(raw, str) or not _RATE.fullmatch(raw) or Decimal(raw) > 1:
            self.bad(
                "rights.royaltyRate",
                'must be a decimal string from "0" to "1" with at most 4 decimals, such as "0.70"',
            )
            return None
        return canonical_rate(Decimal(raw))

    def prices(self, obj: dict[str, Any]) -> tuple[str | None, tuple[Offer, ...], tuple[Offer, ...]]:
        raw = self.get(obj, "prices", "", required=True)
        if raw is _MISSING:
            return None, (), ()
        prices = self.obj(raw, "prices")
        if prices is None:
            return None, (), ()
        currency = self.get(prices, "currency", "prices", required=True)
        if currency is not _MISSING and (not isinstance(currency, str) or not _CURRENCY.fullmatch(currency)):
            self.bad("prices.currency", "not a currency code (3 uppercase letters, ISO 4217)")
        album: tuple[Offer, ...] | None = ()
        track: tuple[Offer, ...] | None = ()
        raw_album = self.get(prices, "album", "prices", required=False)
        if raw_album is not _MISSING:
            album = self.offers(raw_album, "prices.album")
        raw_track = self.get(prices, "track", "prices", required=False)
        if raw_track is not _MISSING:
            track = self.offers(raw_track, "prices.track")
        if album == () and track == ():
            self.bad("prices", "no album or track prices: nothing to sell")
        code = currency if isinstance(currency, str) else None
        return code, album or (), track or ()

    def tracks(
        self,
        obj: dict[str, Any],
        album_artists: tuple[PartyRef, ...],
        offers: tuple[Offer, ...],
        genre: str | None,
    ) -> list[TrackRecord]:
        raw = self.get(obj, "tracks", "", required=True)
        if raw is _MISSING:
            return []
        items = self.list_(raw, "tracks")
        if items is None:
            return []
        result: list[TrackRecord] = []
        positions: dict[tuple[int, int], int] = {}
        for i, item in enumerate(items):
            path = f"tracks[{i}]"
            track = self.obj(item, path)
            if track is None:
                continue
            isrc = self.isrc(track, path)
            title = self.text(track, "title", path)
            duration = self.positive_int(track, "durationMs", path, None)
            disc = self.positive_int(track, "discNumber", path, 1)
            number = self.positive_int(track, "trackNumber", path, None)
            if disc and number:
                if (disc, number) in positions:
                    self.bad(
                        f"{path}.trackNumber",
                        f"disc {disc} track {number} is also tracks[{positions[disc, number]}]",
                    )
                positions.setdefault((disc, number), i)
            composer = None
            raw_composer = self.get(track, "composer", path, required=False)
            if raw_composer is not _MISSING:
                if isinstance(raw_composer, str):
                    composer = raw_composer.strip() or None
                else:
                    kind = _type_name(raw_composer)
                    self.bad(f"{path}.composer", f"must be a string, not {kind}")
            artists: tuple[PartyRef, ...] | None = album_artists
            raw_artists = self.get(track, "artists", path, required=False)
            if raw_artists is not _MISSING:
                artists = self.parties(raw_artists, f"{path}.artists")
            if self.ok and isrc and title and artists is not None:
                result.append(
                    TrackRecord(
                        key=isrc,
                        title=title,
                        duration_ms=duration,
                        disc_number=disc,
                        track_number=number,
                        artists=artists,
                        offers=offers,
                        isrc=isrc,
                        composer=composer,
                        genre=genre,
                    )
                )
        return result

    def isrc(self, track: dict[str, Any], path: str) -> str | None:
        raw = self.get(track, "isrc", path, required=True)
        if raw is _MISSING:
            return None
        if not isinstance(raw, str):
            self.bad(f"{path}.isrc", f"must be a string, not {_type_name(raw)}")
            return None
        isrc = normalize_isrc(raw)
        if isrc is None:
            self.bad(f"{path}.isrc", "not a valid ISRC")
            return None
        first = self.feed.isrcs.setdefault(isrc, (self.number, path))
        if first != (self.number, path):
            where = first[1] if first[0] == self.number else f"line {first[0]} {first[1]}"
            self.bad(f"{path}.isrc", f"duplicate ISRC, also {where}")
            return None
        return isrc


def canonical_rate(rate: Decimal) -> Decimal:
    """A royalty rate with trailing zeros dropped but at least 2 decimals: 0.7 -> 0.70."""
    reduced = rate.normalize()
    exponent = reduced.as_tuple().exponent
    assert isinstance(exponent, int)
    return reduced.quantize(CENT) if exponent > -2 else reduced


# --------------------------------------------------------------------------- writing


def _money(amount: Decimal) -> str:
    return format(amount, "f")


def _party(ref: PartyRef) -> dict[str, str]:
    return {"key": ref.key, "name": ref.name}


def release_to_feed_dict(release: Release) -> dict[str, Any]:
    """The feed object of a release (what `parse_feed` reads back as an equal Release).

    ValueError when the release cannot be written as a feed line: its tracks have different
    offers (a feed has one track price list per release) or a track's genre is not the
    release's first genre.
    """
    track_offers = release.tracks[0].offers if release.tracks else ()
    first_genre = release.genres[0] if release.genres else None
    tracks: list[dict[str, Any]] = []
    for track in release.tracks:
        if track.offers != track_offers:
            raise ValueError(f"release {release.key}: tracks have different offers")
        if track.genre != first_genre:
            raise ValueError(f"release {release.key}: track {track.key} has another genre")
        item: dict[str, Any] = {
            "isrc": track.isrc or track.key,
            "title": track.title,
            "durationMs": track.duration_ms,
            "discNumber": track.disc_number,
            "trackNumber": track.track_number,
        }
        if track.composer is not None:
            item["composer"] = track.composer
        if track.artists != release.artists:
            item["artists"] = [_party(a) for a in track.artists]
        tracks.append(item)
    prices: dict[str, Any] = {"currency": release.currency}
    if release.album_offers:
        prices["album"] = {o.format: _money(o.price) for o in release.album_offers}
    if track_offers:
        prices["track"] = {o.format: _money(o.price) for o in track_offers}
    rights = release.rights
    result: dict[str, Any] = {
        "upc": release.upc or release.key,
        "title": release.title,
        "type": release.type,
        "releaseDate": release.release_date.isoformat() if release.release_date else None,
        "artists": [_party(a) for a in release.artists],
    }
    if release.label is not None:
        result["label"] = _party(release.label)
    result["genres"] = list(release.genres)
    result["rights"] = {
        "territories": list(rights.territories),
        "royaltyRate": _money(rights.royalty_rate),
        "start": rights.start.isoformat() if rights.start else None,
        "end": rights.end.isoformat() if rights.end else None,
    }
    result["prices"] = prices
    result["tracks"] = tracks
    return result


def feed_line(release: Release) -> str:
    """One feed line (compact JSON, UTF-8 text, no newline)."""
    return json.dumps(release_to_feed_dict(release), ensure_ascii=False, separators=(",", ":"))


def iter_feed_lines(releases: Iterable[Release]) -> Iterator[str]:
    """Feed lines, newline-terminated, ready to write."""
    for release in releases:
        yield feed_line(release) + "\n"


def write_feed(releases: Iterable[Release], path: Path) -> int:
    """Writes a feed file (UTF-8 JSON Lines); returns the number of releases written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in iter_feed_lines(releases):
            handle.write(line)
            count += 1
    return count


# --------------------------------------------------------------------------- hashing


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: object, memo: dict[int, Any]) -> Any:
    """JSON-ready form of a record: dataclasses as {field: value}, Decimals without trailing
    zeros, dates in ISO form. `memo` shares the form of tuples used many times (offers)."""
    if value is None or isinstance(value, str | int):
        return value
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name), memo) for name in names}
    if isinstance(value, tuple | list):
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = [_plain(v, memo) for v in value]
        return found
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash a {kind.__name__}")


def content_hash(release: Release) -> str:
    """sha256 (hex) of everything in a release, in a stable form: equal releases, equal hashes.

    Numerically equal prices hash the same ("0.99" and "0.990"); any other difference (a title,
    a price, a territory, an offer's size, the order of tracks or artists) changes the hash.
    """
    text = json.dumps(_plain(release, {}), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(("tunegraph.release.v1\n" + text).encode("utf-8")).hexdigest()
