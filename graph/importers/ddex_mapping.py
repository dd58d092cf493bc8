"""DDEX mapping: an ERN release as a catalog feed release object, validated by the feed's own checks.

ERN-only checks (durations, references, identifiers, deals, P/C lines, parental warning,
artwork) run here with the message's line numbers; the object built from the message then
goes through the feed's validation (`feed_validation`), whose problems are reported at the
line of the element each feed field came from.

A release is keyed by its ICPN (UPC/EAN, normalised as the feed does); a release without one by
`grid:<GRid>`, else by `proprietary:<namespace>:<id>` (the namespace is the sender's DPID, so two
senders' ids cannot collide). Such a release has no `upc`. A release delivered later with an
ICPN is another album: senders are expected to keep a release's identifier.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

from graph.importers.ddex_deals import rights_and_prices
from graph.importers.ddex_release import At, ErnRelease, Notice, Purge, Recording, ReleaseIds, Report
from graph.importers.feed_codes import normalize_upc
from graph.importers.feed_limits import MAX_KEY_CHARS
from graph.importers.feed_problems import Problem
from graph.importers.feed_validation import FeedChecker, LineChecker
from graph.release import Release
from graph.slug import slugify

RELEASE_TYPES = {"Album": "ALBUM", "Single": "SINGLE", "EP": "EP"}
PARENTAL_WARNINGS = frozenset(
    {"Explicit", "ExplicitContentEdited", "NotExplicit", "NoAdviceAvailable", "Unknown", "UserDefined"}
)

_DURATION = re.compile(
    r"P(?:([0-9]{1,3})D)?T(?=[0-9])(?:([0-9]{1,3})H)?(?:([0-9]{1,5})M)?(?:([0-9]{1,6})(?:\.([0-9]{1,3}))?S)?",
    re.ASCII,
)
_GRID = re.compile(r"A1-?([0-9A-Z]{5})-?([0-9A-Z]{10})-?([0-9A-Z])", re.ASCII)
_YEAR = re.compile(r"[0-9]{4}", re.ASCII)

Where = dict[str, tuple[int, str]]


def duration_ms(value: str) -> int | None:
    """Milliseconds of an ISO 8601 duration such as PT3M25S (or P0DT0H3M25.5S), else None."""
    match = _DURATION.fullmatch(value)
    if match is None:
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups()[:4])
    millis = int((match[5] or "").ljust(3, "0"))
    return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + millis


def release_key(ids: ReleaseIds, report: Report) -> tuple[str | None, str | None]:
    """(the ICPN, else None; the key of a release without one, else None)."""
    if ids.icpn is not None:
        return ids.icpn.value, None
    if ids.grid is not None:
        match = _GRID.fullmatch(ids.grid.value.upper())
        if match is None:
            report(ids.grid.line, "ReleaseId.GRid", f"not a valid GRid: {ids.grid.value!r}")
            return None, None
        return None, "grid:A1" + "".join(match.groups())
    if ids.proprietary is not None:
        if ids.namespace is None:
            report(ids.proprietary.line, "ReleaseId.ProprietaryId", "needs a Namespace (the sender's DPID)")
            return None, None
        key = f"proprietary:{ids.namespace.removeprefix('DPID:')}:{ids.proprietary.value}"
        if len(key) > MAX_KEY_CHARS:
            report(ids.proprietary.line, "ReleaseId.ProprietaryId", f"too long (a key takes at most {MAX_KEY_CHARS})")
            return None, None
        return None, key
    report(ids.line, "ReleaseId", "no ICPN, GRid or ProprietaryId")
    return None, None


def _party(name: At) -> dict[str, str]:
    return {"key": slugify(name.value) or name.value, "name": name.value}


def _notice(value: Notice | None, name: str, report: Report) -> None:
    if value is None:
        return
    if not value.text.value:
        report(value.text.line, f"{name}.{name}Text", "is required")
    if value.year is not None and not _YEAR.fullmatch(value.year.value):
        report(value.year.line, f"{name}.Year", f"not a year: {value.year.value!r}")


def _printed(value: Notice | None, symbol: str, letter: str) -> str | None:
    """A P or C line as printed: its text where that starts with the symbol, else symbol, year and text."""
    if value is None or not value.text.value.strip():
        return None
    text = value.text.value.strip()
    if text.startswith(symbol) or text.upper().startswith(f"({letter})"):
        return text
    year = value.year.value.strip() if value.year is not None else ""
    return " ".join(part for part in (symbol, year, text) if part)


def _explicit(value: At | None) -> bool:
    """Whether a ParentalWarningType says explicit (every other value leaves the feed's default)."""
    return value is not None and value.value == "Explicit"


def _parental(value: At | None, name: str, report: Report) -> None:
    if value is not None and value.value not in PARENTAL_WARNINGS:
        known = ", ".join(sorted(PARENTAL_WARNINGS))
        report(value.line, name, f"unknown ParentalWarningType {value.value!r} (known: {known})")


class _Mapper:
    """Builds one release's feed object, remembering where each field came from."""

    def __init__(self, release: ErnRelease, report: Report) -> None:
        self.release = release
        self.report = report
        self.where: Where = {}
        self.reported: set[str] = {"rights", "prices"}  # feed paths whose problem was reported here

    def put(self, obj: dict[str, Any], path: str, key: str, value: At | None, name: str, near: int) -> None:
        if value is not None:
            obj[key] = value.value
        self.where[f"{path}.{key}" if path else key] = (value.line if value else near, name)

    def artists(self, names: tuple[At, ...], path: str, name: str) -> list[dict[str, str]]:
        for i, artist in enumerate(names):
            self.where[f"{path}[{i}]"] = (artist.line, name)
        return [_party(a) for a in names]

    def track(self, recording: Recording, disc: int, number: int, index: int) -> dict[str, Any]:
        path, name = f"tracks[{index}]", f"SoundRecording[{recording.ref}]"
        self.where[path] = (recording.line, name)
        track: dict[str, Any] = {"discNumber": disc, "trackNumber": number}
        self.put(track, path, "isrc", recording.isrc, f"{name}.ISRC", recording.line)
        self.put(track, path, "title", recording.title, f"{name}.Title", recording.line)
        self.where[f"{path}.durationMs"] = (recording.line, f"{name}.Duration")
        millis = duration_ms(recording.duration.value) if recording.duration else None
        if recording.duration is None:
            self.reported.add(f"{path}.durationMs")
            self.report(recording.line, f"{name}.Duration", "is required")
        elif not millis:
            self.reported.add(f"{path}.durationMs")
            self.report(recording.duration.line, f"{name}.Duration",
                        f"not a positive ISO 8601 duration such as PT3M25S: {recording.duration.value!r}")
        else:
            track["durationMs"] = millis
        if recording.composer is not None:
            track["composer"] = recording.composer.value
        if recording.artists:
            track["artists"] = self.artists(recording.artists, f"{path}.artists", f"{name}.DisplayArtist")
        _notice(recording.pline, f"{name}.PLine", self.report)
        _parental(recording.parental, f"{name}.ParentalWarningType", self.report)
        if _explicit(recording.parental):
            track["explicit"] = True
        return track

    def tracks(self) -> list[dict[str, Any]]:
        release, result = self.release, list[dict[str, Any]]()
        for item in release.items:
            recording = release.recordings.get(item.ref.value)
            if recording is not None:
                result.append(self.track(recording, item.disc, item.number, len(result)))
            elif item.ref.value not in release.images:
                missing = f"no resource {item.ref.value!r} in the ResourceList"
                self.report(item.ref.line, "ReleaseResourceReference", missing)
        for image in release.images.values():
            if image.uri is None:
                self.report(image.line, f"Image[{image.ref}]", "no file (File/URI or FileName)")
        return result

    def identity(self, obj: dict[str, Any]) -> str | None:
        """The key, title, type and date into `obj`; the feed's release type, if known."""
        release, report = self.release, self.report
        obj["upc"], obj["key"] = release_key(release.ids, report)
        self.where["upc"] = (release.ids.icpn.line if release.ids.icpn else release.ids.line, "ReleaseId.ICPN")
        self.put(obj, "", "title", release.title, "Release.Title", release.line)
        rtype = RELEASE_TYPES.get(release.type.value) if release.type else None
        if release.type is not None and rtype is None:
            known = ", ".join(RELEASE_TYPES)
            report(release.type.line, "ReleaseType", f"unsupported {release.type.value!r} (supported: {known})")
        obj["type"] = rtype
        self.where["type"] = (release.type.line if release.type else release.line, "ReleaseType")
        self.put(obj, "", "releaseDate", release.release_date, "OriginalReleaseDate", release.line)
        return rtype

    def credits(self, obj: dict[str, Any]) -> None:
        """The artists, label and genres into `obj`."""
        release = self.release
        obj["artists"] = self.artists(release.artists, "artists", "Release.DisplayArtist")
        self.where["artists"] = (release.line, "Release.DisplayArtist")
        if release.label is not None:
            obj["label"] = _party(release.label)
            self.where["label"] = (release.label.line, "Label")
        first_lines = {g.value: g.line for g in reversed(release.genres)}
        obj["genres"] = list(dict.fromkeys(g.value for g in release.genres))
        for i, genre in enumerate(obj["genres"]):
            self.where[f"genres[{i}]"] = (first_lines[genre], "Genre")

    def notices(self, obj: dict[str, Any]) -> None:
        """The C and P lines and the parental warning into `obj` (a track's P line is checked, not kept)."""
        release = self.release
        for key, value, symbol, letter in (
            ("copyright", release.cline, "©", "C"),
            ("phonographicCopyright", release.pline, "℗", "P"),
        ):
            printed = _printed(value, symbol, letter)
            if value is not None and printed is not None:
                obj[key] = printed
                self.where[key] = (value.text.line, f"{letter}Line.{letter}LineText")
        if _explicit(release.parental):
            obj["explicit"] = True
        self.where["explicit"] = (release.parental.line if release.parental else release.line,
                                  "Release.ParentalWarningType")

    def feed_object(self, today: date) -> dict[str, Any] | None:
        """The feed object of the release; None when it has no usable identifier."""
        release, report = self.release, self.report
        obj: dict[str, Any] = {}
        rtype = self.identity(obj)
        self.credits(obj)
        obj["tracks"] = self.tracks()
        self.where["tracks"] = (release.line, "ResourceGroup")
        _notice(release.pline, "PLine", report)
        _notice(release.cline, "CLine", report)
        _parental(release.parental, "Release.ParentalWarningType", report)
        self.notices(obj)
        obj["rights"], obj["prices"] = rights_and_prices(release, rtype or "ALBUM", today, report, self.where)
        return obj if obj["upc"] or obj["key"] else None


class _ErnLineChecker(LineChecker):
    """The feed's checks of one release object; a release without an ICPN brings its own key."""

    def upc(self, obj: dict[str, Any]) -> str | None:
        key = obj.get("key")
        return super().upc(obj) if key is None else str(key)


def _located(problem: Problem, where: Where, fallback: int) -> tuple[int, str, str]:
    path = problem.path
    while path:
        if path in where:
            line, name = where[path]
            return line, name, problem.message
        path = re.sub(r"(\.[^.\[]+|\[[0-9]+\])$", "", path)
    return fallback, problem.path, problem.message


def to_release(release: ErnRelease, today: date, report: Report) -> Release | None:
    """The feed release of an ERN release, or None after reporting every problem found."""
    mapper = _Mapper(release, report)
    obj = mapper.feed_object(today)
    if obj is None:
        return None
    obj = {k: v for k, v in obj.items() if v is not None}  # rights/prices None: already reported
    feed = FeedChecker()
    checker = _ErnLineChecker(feed, release.line)
    checked = checker.release(obj)
    checker.finish()
    for problem in feed.problems:
        if problem.message != "is required" or problem.path not in mapper.reported:
            report(*_located(problem, mapper.where, release.line))
    if checked is None or obj.get("upc") is not None:
        return checked
    return dataclasses.replace(checked, upc=None)


def purge_key(purge: Purge, report: Report) -> str | None:
    """The key of the release a PurgeReleaseMessage names (its ICPN normalised as the feed does)."""
    icpn, key = release_key(purge.ids, report)
    if icpn is None:
        return key
    upc = normalize_upc(icpn)
    if upc is None:
        report(purge.ids.line, "ReleaseId.ICPN", f"not a valid ICPN (UPC/EAN with its check digit): {icpn!r}")
    return upc
