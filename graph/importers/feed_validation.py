"""Catalog feed (JSON Lines, `catalog-feed.md`) -> validated `Release` records (writing one: feed_writer).

`parse_feed` validates the whole feed before anything is written and reports every problem at
once, each as `line N: field.path: message` (line numbers count blank lines too, from 1; list
indexes count from 0: `tracks[3]` is the fourth track).

The fields, their defaults and caps are documented in docs/catalog-feed.md (every text and
list has a cap, and a line one of `MAX_LINE_BYTES`: feed_limits); unknown fields are ignored.

Normal forms, so that a re-delivery with cosmetic differences is recognised as unchanged: the
UPC becomes 13 digits (a 12-digit UPC-A gets a leading 0) and is the release's key; an ISRC is
uppercased without dashes and is the track's key; names and titles are stripped; territories
are sorted; prices have 2 decimals; royalty rates at least 2; tracks are sorted by
(disc, track); offers follow `FEED_FORMATS` order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from graph.importers.feed_codes import UPC_PATTERN, canonical_rate, gs1_check_digit, normalize_isrc, normalize_upc
from graph.importers.feed_fields import MISSING, FieldChecker, object_pairs, reject_constant, type_name
from graph.importers.feed_limits import (
    MAX_COMPOSER_CHARS,
    MAX_GENRE_CHARS,
    MAX_GENRES,
    MAX_NOTICE_CHARS,
    MAX_TERRITORIES,
    MAX_TITLE_CHARS,
    MAX_TRACKS,
    LongLine,
    long_text_line,
    read_lines,
)
from graph.importers.feed_prices import feed_prices
from graph.importers.feed_problems import FeedError, Problem
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

_RATE = re.compile(r"[0-9]{1,4}(\.[0-9]{1,4})?", re.ASCII)


# --------------------------------------------------------------------------- parsing


def parse_feed(lines: Iterable[str], source: str | None = None) -> list[Release]:
    """Every release of a feed, or FeedError listing every problem of the whole feed."""
    checker = FeedChecker()
    for number, text in enumerate(lines, 1):
        if (long := long_text_line(text)) is not None:
            checker.problems.append(Problem(number, "", long.message))
            continue
        checker.add_line(number, text.removeprefix("\ufeff") if number == 1 else text)
    return checker.result(source)


def parse_feed_file(path: Path) -> list[Release]:
    """`parse_feed` over a file (UTF-8; a line that is not valid UTF-8 is a problem too).

    Lines are read with a byte limit: an oversized line is a problem, skipped without being held whole.
    """
    checker = FeedChecker()
    with path.open("rb") as handle:
        for number, raw in enumerate(read_lines(handle), 1):
            if isinstance(raw, LongLine):
                checker.problems.append(Problem(number, "", raw.message))
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                checker.problems.append(Problem(number, "", f"not valid UTF-8 ({exc.reason})"))
                continue
            checker.add_line(number, text.removeprefix("\ufeff") if number == 1 else text)
    return checker.result(str(path))


class FeedChecker:
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
            value = json.loads(text, object_pairs_hook=object_pairs, parse_constant=reject_constant)
        except json.JSONDecodeError as exc:
            self.problems.append(Problem(number, "", f"not valid JSON: {exc.msg} (column {exc.colno})"))
            return
        except (ValueError, RecursionError) as exc:
            self.problems.append(Problem(number, "", f"not valid JSON: {exc}"))
            return
        if not isinstance(value, dict):
            self.problems.append(Problem(number, "", f"not a JSON object (got {type_name(value)})"))
            return
        line = LineChecker(self, number)
        release = line.release(value)
        line.finish()
        if release is not None:
            self.releases.append(release)

    def result(self, source: str | None) -> list[Release]:
        if self.problems:
            raise FeedError(self.problems, source)
        return self.releases


class LineChecker(FieldChecker):
    """The checks of one line; `release()` is None when the line had any problem."""

    # ---- the release

    def release(self, obj: dict[str, Any]) -> Release | None:
        self.obj(obj, "")  # duplicate top-level keys
        upc = self.upc(obj)
        title = self.text(obj, "title", "", most=MAX_TITLE_CHARS)
        rtype = self.get(obj, "type", "", required=True)
        if rtype is not MISSING and rtype not in RELEASE_TYPES:
            self.bad("type", f"must be one of {', '.join(RELEASE_TYPES)}")
        raw_date = self.get(obj, "releaseDate", "", required=True)
        release_date = None if raw_date is MISSING else self.date_(raw_date, "releaseDate")

        raw_artists = self.get(obj, "artists", "", required=True)
        artists = None if raw_artists is MISSING else self.parties(raw_artists, "artists")
        raw_label = self.get(obj, "label", "", required=False)
        label = None if raw_label is MISSING else self.party(raw_label, "label", "label")
        genres = self.genres(obj)
        rights = self.rights(obj)
        prices = feed_prices(self, obj, rights.territories if rights else None)
        own = prices.own if prices else None
        tracks = self.tracks(obj, artists or (), own.track_offers if own else (), genres[0] if genres else None)
        explicit = self.album_explicit(obj, tracks)
        c_line = self.text(obj, "copyright", "", most=MAX_NOTICE_CHARS, required=False)
        p_line = self.text(obj, "phonographicCopyright", "", most=MAX_NOTICE_CHARS, required=False)

        if not self.ok:
            return None
        assert upc is not None
        assert title is not None
        assert release_date is not None
        assert artists is not None
        assert rights is not None
        assert prices is not None
        return Release(
            key=upc,
            title=title,
            type=str(rtype),
            artists=artists,
            genres=genres,
            rights=rights,
            currency=prices.own.currency,
            album_offers=prices.own.album_offers,
            tracks=tuple(sorted(tracks, key=lambda t: (t.disc_number, t.track_number))),
            upc=upc,
            release_date=release_date,
            label=label,
            explicit=explicit,
            copyright=c_line,
            phonographic_copyright=p_line,
            price_lists=prices.others,
            price_fallback=prices.fallback,
        )

    def album_explicit(self, obj: dict[str, Any], tracks: list[TrackRecord]) -> bool:
        """The release's `explicit`: as given, else whether any track is; never false over explicit tracks."""
        given = self.flag(obj, "explicit", "")
        marked = sum(t.explicit for t in tracks)
        if given is False and marked:
            self.bad("explicit", f"false, but {marked} of its {len(tracks)} tracks are explicit")
        return bool(given) if given is not None else marked > 0

    def upc(self, obj: dict[str, Any]) -> str | None:
        raw = self.get(obj, "upc", "", required=True)
        if raw is MISSING:
            return None
        if not isinstance(raw, str):
            self.bad("upc", f"must be a string, not {type_name(raw)}")
            return None
        if not UPC_PATTERN.fullmatch(raw):
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
        if raw is MISSING:
            return ()
        items = self.list_(raw, "genres", most=MAX_GENRES, empty_ok=True)
        if items is None:
            return ()
        names: list[str] = []
        slugs: dict[str, int] = {}
        for i, item in enumerate(items):
            path = f"genres[{i}]"
            if not isinstance(item, str) or not item.strip():
                self.bad(path, "must be a genre name (a non-blank string)")
                continue
            if not self.short(item.strip(), path, MAX_GENRE_CHARS):
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
        if raw is MISSING:
            return None
        rights = self.obj(raw, "rights")
        if rights is None:
            return None
        territories = self.territories(rights)
        rate = self.royalty_rate(rights)
        start = end = None
        raw_start = self.get(rights, "start", "rights", required=False)
        if raw_start is not MISSING:
            start = self.date_(raw_start, "rights.start")
        raw_end = self.get(rights, "end", "rights", required=False)
        if raw_end is not MISSING:
            end = self.date_(raw_end, "rights.end")
        if start is not None and end is not None and end <= start:
            self.bad("rights.end", "must be after rights.start (end is the first day off sale)")
        if territories is None or rate is None:
            return None
        return Rights(territories=territories, royalty_rate=rate, start=start, end=end)

    def territories(self, rights: dict[str, Any]) -> tuple[str, ...] | None:
        raw = self.get(rights, "territories", "rights", required=True)
        if raw is MISSING:
            return None
        items = self.list_(raw, "rights.territories", most=MAX_TERRITORIES)
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
        if raw is MISSING:
            return None
        if not isinstance(raw, str) or not _RATE.fullmatch(raw) or Decimal(raw) > 1:
            self.bad(
                "rights.royaltyRate",
                'must be a decimal string from "0" to "1" with at most 4 decimals, such as "0.70"',
            )
            return None
        return canonical_rate(Decimal(raw))

    def tracks(
        self,
        obj: dict[str, Any],
        album_artists: tuple[PartyRef, ...],
        offers: tuple[Offer, ...],
        genre: str | None,
    ) -> list[TrackRecord]:
        raw = self.get(obj, "tracks", "", required=True)
        if raw is MISSING:
            return []
        items = self.list_(raw, "tracks", most=MAX_TRACKS)
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
            title = self.text(track, "title", path, most=MAX_TITLE_CHARS)
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
            if raw_composer is not MISSING:
                if isinstance(raw_composer, str):
                    composer = raw_composer.strip() or None
                    if composer and not self.short(composer, f"{path}.composer", MAX_COMPOSER_CHARS):
                        composer = None
                else:
                    kind = type_name(raw_composer)
                    self.bad(f"{path}.composer", f"must be a string, not {kind}")
            explicit = self.flag(track, "explicit", path)
            artists: tuple[PartyRef, ...] | None = album_artists
            raw_artists = self.get(track, "artists", path, required=False)
            if raw_artists is not MISSING:
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
                        explicit=bool(explicit),
                    )
                )
        return result

    def isrc(self, track: dict[str, Any], path: str) -> str | None:
        raw = self.get(track, "isrc", path, required=True)
        if raw is MISSING:
            return None
        if not isinstance(raw, str):
            self.bad(f"{path}.isrc", f"must be a string, not {type_name(raw)}")
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
