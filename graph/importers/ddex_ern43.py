"""ERN 4.3 (`http://ddex.net/xml/ern/43`): a NewReleaseMessage's main release, and a purge's release.

4.3 names its parties once, in the PartyList, and refers to them by reference (display
artists, the label, contributors); the main release is ReleaseList/Release, the tracks'
own releases are TrackRelease elements; titles are DisplayTitleText (or DisplayTitle/TitleText).
"""

from __future__ import annotations

from lxml import etree

from graph.importers.ddex_release import (
    At,
    ErnRelease,
    Image,
    Purge,
    Recording,
    Report,
    at,
    deals,
    items,
    notice,
    release_ids,
)
from graph.importers.ddex_xml import kid, kids, line


def _title(element: etree._Element) -> At | None:
    return at(element, "DisplayTitleText") or at(element, "DisplayTitle", "TitleText")


class _Parties:
    """The PartyList's names by reference; a reference to no party is a problem."""

    def __init__(self, root: etree._Element, report: Report) -> None:
        self.report = report
        self.names: dict[str, str] = {}
        for party in kids(kid(root, "PartyList"), "Party"):
            ref = at(party, "PartyReference")
            name = at(party, "PartyName", "FullName")
            if ref is not None and name is not None:
                self.names[ref.value] = name.value

    def name(self, ref: At | None, field: str) -> At | None:
        if ref is None:
            return None
        found = self.names.get(ref.value)
        if found is None:
            self.report(ref.line, field, f"no Party {ref.value!r} in the PartyList")
            return None
        return At(found, ref.line)

    def artists(self, element: etree._Element, field: str) -> tuple[At, ...]:
        ordered = sorted(
            kids(element, "DisplayArtist"), key=lambda e: int(e.get("SequenceNumber") or 0)
        )
        found = (self.name(at(a, "ArtistPartyReference"), field) for a in ordered)
        return tuple(a for a in found if a is not None)


def _recording(element: etree._Element, parties: _Parties) -> Recording | None:
    ref = at(element, "ResourceReference")
    if ref is None:
        return None
    edition = kid(element, "SoundRecordingEdition")
    isrc = at(edition, "ResourceId", "ISRC") or at(element, "ResourceId", "ISRC")
    composer = None
    for contributor in kids(element, "Contributor"):
        roles = {r.text.strip() for r in kids(contributor, "Role") if r.text}
        if "Composer" in roles:
            composer = parties.name(at(contributor, "ContributorPartyReference"), "Contributor")
            break
    field = f"SoundRecording[{ref.value}]"
    return Recording(
        ref=ref.value,
        line=line(element),
        isrc=isrc,
        title=_title(element),
        duration=at(element, "Duration"),
        artists=parties.artists(element, f"{field}.DisplayArtist"),
        composer=composer,
        pline=notice(kid(edition, "PLine") if edition is not None else kid(element, "PLine"), "P"),
        parental=at(element, "ParentalWarningType"),
    )


def _image(element: etree._Element) -> Image | None:
    ref = at(element, "ResourceReference")
    if ref is None:
        return None
    uri = next((e for e in element.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "URI"), None)
    return Image(ref.value, line(element), kind=at(element, "Type"), uri=at(uri))


def read_release(root: etree._Element, report: Report) -> ErnRelease | None:
    """The main release of an ERN 4.3 NewReleaseMessage, with its resources and deals."""
    parties = _Parties(root, report)
    release_list = kid(root, "ReleaseList")
    main = kid(release_list, "Release")
    if main is None:
        where = line(release_list if release_list is not None else root)
        report(where, "ReleaseList", "no Release (the main release) in this message")
        return None
    release = ErnRelease(
        line=line(main),
        ref=(at(main, "ReleaseReference") or At("", line(main))).value,
        ids=release_ids(kid(main, "ReleaseId"), line(main)),
        type=at(main, "ReleaseType"),
        title=_title(main),
        artists=parties.artists(main, "Release.DisplayArtist"),
        label=parties.name(at(main, "ReleaseLabelReference"), "Release.ReleaseLabelReference"),
        genres=tuple(g for e in kids(main, "Genre") for g in (at(e, "GenreText"), at(e, "SubGenre")) if g),
        release_date=at(main, "OriginalReleaseDate") or at(main, "ReleaseDate"),
        pline=notice(kid(main, "PLine"), "P"),
        cline=notice(kid(main, "CLine"), "C"),
        parental=at(main, "ParentalWarningType"),
        items=items(kid(main, "ResourceGroup")),
        deals=deals(root),
    )
    images = _refs(root, "Image")
    for linked in kids(kid(main, "ResourceGroup"), "LinkedReleaseResourceReference"):
        if (ref := at(linked)) is not None and ref.value not in images:
            report(ref.line, "LinkedReleaseResourceReference", f"no Image {ref.value!r} in the ResourceList")
    resources = kid(root, "ResourceList")
    for element in kids(resources, "SoundRecording"):
        if (recording := _recording(element, parties)) is not None:
            release.recordings[recording.ref] = recording
    for element in kids(resources, "Image"):
        if (image := _image(element)) is not None:
            release.images[image.ref] = image
    for track_release in kids(release_list, "TrackRelease"):
        if (ref := at(track_release, "ReleaseReference")) is not None:
            release.track_release_refs.add(ref.value)
    return release


def _refs(root: etree._Element, kind: str) -> set[str]:
    found = (at(e, "ResourceReference") for e in kids(kid(root, "ResourceList"), kind))
    return {a.value for a in found if a is not None}


def read_purge(root: etree._Element) -> Purge:
    """The release an ERN 4.3 PurgeReleaseMessage purges."""
    purged = kid(root, "PurgedRelease")
    return Purge(release_ids(kid(purged, "ReleaseId"), line(purged if purged is not None else root)))
