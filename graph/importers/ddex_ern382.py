"""ERN 3.8.2 (`http://ddex.net/xml/ern/382`): a NewReleaseMessage's main release, and a purge's release.

3.8.2 names parties inline (DisplayArtist/PartyName, LabelName) and keeps most descriptive
data in a DetailsByTerritory block (the Worldwide one is read, else the first); the main
release is the Release marked IsMainRelease="true" (else the first that is no TrackRelease);
titles are ReferenceTitle/TitleText; the ResourceGroup sits in ReleaseDetailsByTerritory.
"""

from __future__ import annotations

from lxml import etree

from graph.importers.ddex_release import (
    At,
    ErnRelease,
    Image,
    Item,
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

_COMPOSER_ROLES = ("ResourceContributorRole", "IndirectResourceContributorRole")


def _details(element: etree._Element, name: str) -> etree._Element | None:
    blocks = list(kids(element, name))
    worldwide = [b for b in blocks if (at(b, "TerritoryCode") or At("", 0)).value == "Worldwide"]
    chosen = worldwide or blocks
    return chosen[0] if chosen else None


def _title(element: etree._Element, details: etree._Element | None) -> At | None:
    return at(element, "ReferenceTitle", "TitleText") or at(details, "Title", "TitleText")


def _artists(details: etree._Element | None) -> tuple[At, ...]:
    ordered = sorted(kids(details, "DisplayArtist"), key=lambda e: int(e.get("SequenceNumber") or 0))
    return tuple(a for e in ordered if (a := at(e, "PartyName", "FullName")) is not None)


def _composer(details: etree._Element | None) -> At | None:
    for kind, role in zip(("ResourceContributor", "IndirectResourceContributor"), _COMPOSER_ROLES, strict=True):
        for contributor in kids(details, kind):
            roles = {r.text.strip() for r in kids(contributor, role) if r.text}
            if "Composer" in roles:
                return at(contributor, "PartyName", "FullName")
    return None


def _recording(element: etree._Element) -> Recording | None:
    ref = at(element, "ResourceReference")
    if ref is None:
        return None
    details = _details(element, "SoundRecordingDetailsByTerritory")
    return Recording(
        ref=ref.value,
        line=line(element),
        isrc=at(element, "SoundRecordingId", "ISRC"),
        title=_title(element, details),
        duration=at(element, "Duration"),
        artists=_artists(details),
        composer=_composer(details),
        pline=notice(kid(details, "PLine"), "P"),
        parental=at(details, "ParentalWarningType"),
    )


def _image(element: etree._Element) -> Image | None:
    ref = at(element, "ResourceReference")
    if ref is None:
        return None
    names = ("FileName", "URL")
    file = next((e for e in element.iter() if isinstance(e.tag, str) and etree.QName(e).localname in names), None)
    return Image(ref.value, line(element), kind=at(element, "ImageType"), uri=at(file))


def _main(release_list: etree._Element | None) -> etree._Element | None:
    releases = list(kids(release_list, "Release"))
    marked = [r for r in releases if (r.get("IsMainRelease") or "").strip() == "true"]
    others = [r for r in releases if (at(r, "ReleaseType") or At("", 0)).value != "TrackRelease"]
    chosen = marked or others
    return chosen[0] if chosen else None


def read_release(root: etree._Element, report: Report) -> ErnRelease | None:
    """The main release of an ERN 3.8.2 NewReleaseMessage, with its resources and deals."""
    release_list = kid(root, "ReleaseList")
    main = _main(release_list)
    if main is None:
        report(line(release_list if release_list is not None else root), "ReleaseList",
               "no main Release in this message")
        return None
    details = _details(main, "ReleaseDetailsByTerritory")
    genres = kids(details, "Genre")
    release = ErnRelease(
        line=line(main),
        ref=(at(main, "ReleaseReference") or At("", line(main))).value,
        ids=release_ids(kid(main, "ReleaseId"), line(main)),
        type=at(main, "ReleaseType"),
        title=_title(main, details),
        artists=_artists(details),
        label=at(details, "LabelName"),
        genres=tuple(g for e in genres for g in (at(e, "GenreText"), at(e, "SubGenre")) if g),
        release_date=at(details, "OriginalReleaseDate") or at(main, "GlobalOriginalReleaseDate"),
        pline=notice(kid(main, "PLine"), "P"),
        cline=notice(kid(main, "CLine"), "C"),
        parental=at(details, "ParentalWarningType"),
        items=items(kid(details, "ResourceGroup")),
        deals=deals(root),
    )
    if not release.items:  # no ResourceGroup: the primary resources in list order, on disc 1
        listed = kids(kid(main, "ReleaseResourceReferenceList"), "ReleaseResourceReference")
        primary = [a for e in listed if e.get("ReleaseResourceType") != "SecondaryResource" and (a := at(e))]
        release.items = [Item(ref, 1, n) for n, ref in enumerate(primary, 1)]
    for element in kids(kid(root, "ResourceList"), "SoundRecording"):
        if (recording := _recording(element)) is not None:
            release.recordings[recording.ref] = recording
    for element in kids(kid(root, "ResourceList"), "Image"):
        if (image := _image(element)) is not None:
            release.images[image.ref] = image
    for other in kids(release_list, "Release"):
        if other is not main and (ref := at(other, "ReleaseReference")) is not None:
            release.track_release_refs.add(ref.value)
    for listed_ref in kids(kid(main, "ReleaseResourceReferenceList"), "ReleaseResourceReference"):
        ref_at = at(listed_ref)
        if ref_at is not None and ref_at.value not in release.recordings and ref_at.value not in release.images:
            report(ref_at.line, "ReleaseResourceReference", f"no resource {ref_at.value!r} in the ResourceList")
    return release


def read_purge(root: etree._Element) -> Purge:
    """The release an ERN 3.8.2 PurgeReleaseMessage purges."""
    purged = kid(root, "PurgedRelease")
    return Purge(release_ids(kid(purged, "ReleaseId"), line(purged if purged is not None else root)))
