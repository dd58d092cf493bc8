"""Builders of small ERN 4.3 and 3.8.2 messages for the DDEX import tests (Audio Album / Single profiles)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

NS = {"4.3": "http://ddex.net/xml/ern/43", "3.8.2": "http://ddex.net/xml/ern/382"}
SCHEMA = {"4.3": "ern/43", "3.8.2": "ern/382"}


@dataclass(frozen=True)
class Track:
    """A sound recording on the release."""

    ref: str
    isrc: str | None
    title: str
    duration: str = "PT3M25S"
    disc: int = 1
    number: int = 1
    artist: str | None = None
    composer: str | None = None


@dataclass(frozen=True)
class DealSpec:
    """A deal's terms."""

    territories: tuple[str, ...] = ("Worldwide",)
    excluded: tuple[str, ...] = ()
    start: str | None = "2020-01-01"
    end: str | None = None
    tier: str | None = "Mid"
    tier_element: str = "PriceRangeType"
    wholesale: str | None = None
    currency: str = "USD"
    use: str = "PermanentDownload"
    ref: str = "R0"
    takedown: bool = False


@dataclass(frozen=True)
class Spec:
    """A NewReleaseMessage: `ids` are ReleaseId children, e.g. {"ICPN": "..."}."""

    version: str
    ids: dict[str, Any]
    artist: str
    label: str
    tracks: tuple[Track, ...]
    title: str = "Night Drive"
    release_type: str = "Album"
    genres: tuple[str, str] = ("Electronic", "Synthwave")
    release_date: str | None = "2020-01-01"
    created: str = "2026-01-01T10:00:00Z"
    deals: tuple[DealSpec, ...] = (DealSpec(),)
    pline: str = "(P) 2020 Test Records"
    cline: str = "(C) 2020 Test Records"
    year: str = "2020"
    parental: str = "NotExplicit"
    image: str | None = "cover.jpg"
    extra_refs: tuple[str, ...] = field(default_factory=tuple)

    def but(self, **changes: Any) -> Spec:
        """A copy with some fields changed."""
        return replace(self, **changes)


def _e(value: str) -> str:
    return escape(value)


def _ids(ids: dict[str, Any]) -> str:
    parts = []
    for name, value in ids.items():
        if name == "ProprietaryId":
            namespace, text = value
            attr = f' Namespace="{_e(namespace)}"' if namespace else ""
            parts.append(f"<ProprietaryId{attr}>{_e(text)}</ProprietaryId>")
        else:
            parts.append(f"<{name}>{_e(value)}</{name}>")
    return "<ReleaseId>" + "".join(parts) + "</ReleaseId>"


def _deal(spec: Spec, deal: DealSpec) -> str:
    terms = "".join(f"<TerritoryCode>{t}</TerritoryCode>" for t in deal.territories)
    terms += "".join(f"<ExcludedTerritoryCode>{t}</ExcludedTerritoryCode>" for t in deal.excluded)
    use = f"<UseType>{deal.use}</UseType>"
    model = "<CommercialModelType>PayAsYouGoModel</CommercialModelType>"
    terms += model + (f"<Usage>{use}</Usage>" if spec.version == "3.8.2" else use)
    price = f"<{deal.tier_element}>{deal.tier}</{deal.tier_element}>" if deal.tier else ""
    if deal.wholesale:
        price += f'<WholesalePricePerUnit CurrencyCode="{deal.currency}">{deal.wholesale}</WholesalePricePerUnit>'
    terms += f"<PriceInformation>{price}</PriceInformation>"
    period = (f"<StartDate>{deal.start}</StartDate>" if deal.start else "") + (
        f"<EndDate>{deal.end}</EndDate>" if deal.end else ""
    )
    terms += f"<ValidityPeriod>{period}</ValidityPeriod>"
    if deal.takedown:
        terms += "<TakeDown>true</TakeDown>"
    return (f"<ReleaseDeal><DealReleaseReference>{deal.ref}</DealReleaseReference>"
            f"<Deal><DealTerms>{terms}</DealTerms></Deal></ReleaseDeal>")


def _group(spec: Spec) -> str:
    discs: dict[int, list[str]] = {}
    for t in spec.tracks:
        discs.setdefault(t.disc, []).append(
            f"<ResourceGroupContentItem><SequenceNumber>{t.number}</SequenceNumber>"
            f"<ReleaseResourceReference>{t.ref}</ReleaseResourceReference></ResourceGroupContentItem>"
        )
    for ref in spec.extra_refs:
        discs.setdefault(1, []).append(
            f"<ResourceGroupContentItem><ReleaseResourceReference>{ref}</ReleaseResourceReference>"
            "</ResourceGroupContentItem>"
        )
    inner = "".join(
        f"<ResourceGroup><SequenceNumber>{d}</SequenceNumber>{''.join(items)}</ResourceGroup>"
        for d, items in sorted(discs.items())
    )
    linked = "<LinkedReleaseResourceReference>A900</LinkedReleaseResourceReference>" if (
        spec.image and spec.version == "4.3") else ""
    return f"<ResourceGroup>{inner}{linked}</ResourceGroup>"


def _header(spec: Spec) -> str:
    return ("<MessageHeader><MessageThreadId>T1</MessageThreadId><MessageId>M1</MessageId>"
            "<MessageSender><PartyId>PADPIDA0000000001</PartyId></MessageSender>"
            "<MessageRecipient><PartyId>PADPIDA0000000002</PartyId></MessageRecipient>"
            f"<MessageCreatedDateTime>{spec.created}</MessageCreatedDateTime></MessageHeader>")


def _party_ref(name: str, parties: dict[str, str]) -> str:
    return parties.setdefault(name, f"P{len(parties) + 1}")


def ern43(spec: Spec) -> str:
    """An ERN 4.3 NewReleaseMessage."""
    parties: dict[str, str] = {}
    artist_ref, label_ref = _party_ref(spec.artist, parties), _party_ref(spec.label, parties)
    recordings = []
    for t in spec.tracks:
        isrc = f"<ResourceId><ISRC>{t.isrc}</ISRC></ResourceId>" if t.isrc else ""
        who = _party_ref(t.artist or spec.artist, parties)
        composer = (f"<Contributor><ContributorPartyReference>{_party_ref(t.composer, parties)}"
                    "</ContributorPartyReference><Role>Composer</Role></Contributor>") if t.composer else ""
        recordings.append(
            f"<SoundRecording><ResourceReference>{t.ref}</ResourceReference><Type>MusicalWorkSoundRecording</Type>"
            f"<SoundRecordingEdition>{isrc}<PLine><Year>{spec.year}</Year><PLineText>{_e(spec.pline)}</PLineText>"
            f"</PLine></SoundRecordingEdition><DisplayTitleText>{_e(t.title)}</DisplayTitleText>"
            f"<DisplayArtistName>{_e(t.artist or spec.artist)}</DisplayArtistName>"
            f'<DisplayArtist SequenceNumber="1"><ArtistPartyReference>{who}</ArtistPartyReference>'
            f"<DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist>{composer}"
            f"<Duration>{t.duration}</Duration><ParentalWarningType>{spec.parental}</ParentalWarningType>"
            "</SoundRecording>"
        )
    image = (f"<Image><ResourceReference>A900</ResourceReference><Type>FrontCoverImage</Type>"
             f"<TechnicalDetails><File><URI>{spec.image}</URI></File></TechnicalDetails></Image>") if spec.image else ""
    party_list = "".join(
        f"<Party><PartyReference>{ref}</PartyReference><PartyName><FullName>{_e(name)}</FullName></PartyName></Party>"
        for name, ref in parties.items()
    )
    date = f"<OriginalReleaseDate>{spec.release_date}</OriginalReleaseDate>" if spec.release_date else ""
    release = (
        f"<Release><ReleaseReference>R0</ReleaseReference><ReleaseType>{spec.release_type}</ReleaseType>"
        f"{_ids(spec.ids)}<DisplayTitleText>{_e(spec.title)}</DisplayTitleText>"
        f"<DisplayArtistName>{_e(spec.artist)}</DisplayArtistName>"
        f'<DisplayArtist SequenceNumber="1"><ArtistPartyReference>{artist_ref}</ArtistPartyReference>'
        f"<DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist>"
        f"<ReleaseLabelReference>{label_ref}</ReleaseLabelReference>"
        f"<PLine><Year>{spec.year}</Year><PLineText>{_e(spec.pline)}</PLineText></PLine>"
        f"<CLine><Year>{spec.year}</Year><CLineText>{_e(spec.cline)}</CLineText></CLine>"
        f"<Genre><GenreText>{spec.genres[0]}</GenreText><SubGenre>{spec.genres[1]}</SubGenre></Genre>"
        f"{date}<ParentalWarningType>{spec.parental}</ParentalWarningType>{_group(spec)}</Release>"
    )
    track_releases = "".join(
        f"<TrackRelease><ReleaseReference>R{i}</ReleaseReference><ReleaseId><ISRC>{t.isrc}</ISRC></ReleaseId>"
        f"<ReleaseResourceReference>{t.ref}</ReleaseResourceReference></TrackRelease>"
        for i, t in enumerate(spec.tracks, 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ern:NewReleaseMessage xmlns:ern="{NS["4.3"]}" '
        f'AvsVersionId="4" LanguageAndScriptCode="en">\n{_header(spec)}\n<PartyList>{party_list}</PartyList>\n'
        f"<ResourceList>\n" + "\n".join(recordings) + f"\n{image}</ResourceList>\n"
        f"<ReleaseList>\n{release}\n{track_releases}</ReleaseList>\n"
        "<DealList>\n" + "\n".join(_deal(spec, d) for d in spec.deals) + "\n</DealList>\n</ern:NewReleaseMessage>\n"
    )


def _artist382(name: str) -> str:
    return (f'<DisplayArtist SequenceNumber="1"><PartyName><FullName>{_e(name)}</FullName></PartyName>'
            "<ArtistRole>MainArtist</ArtistRole></DisplayArtist>")


def ern382(spec: Spec) -> str:
    """An ERN 3.8.2 NewReleaseMessage."""
    recordings = []
    for t in spec.tracks:
        isrc = f"<SoundRecordingId><ISRC>{t.isrc}</ISRC></SoundRecordingId>" if t.isrc else ""
        composer = (f"<IndirectResourceContributor><PartyName><FullName>{_e(t.composer)}</FullName></PartyName>"
                    "<IndirectResourceContributorRole>Composer</IndirectResourceContributorRole>"
                    "</IndirectResourceContributor>") if t.composer else ""
        recordings.append(
            f"<SoundRecording><SoundRecordingType>MusicalWorkSoundRecording</SoundRecordingType>{isrc}"
            f"<ResourceReference>{t.ref}</ResourceReference><ReferenceTitle><TitleText>{_e(t.title)}</TitleText>"
            f"</ReferenceTitle><Duration>{t.duration}</Duration><SoundRecordingDetailsByTerritory>"
            f"<TerritoryCode>Worldwide</TerritoryCode>{_artist382(t.artist or spec.artist)}{composer}"
            f"<PLine><Year>{spec.year}</Year><PLineText>{_e(spec.pline)}</PLineText></PLine>"
            f"<ParentalWarningType>{spec.parental}</ParentalWarningType>"
            "</SoundRecordingDetailsByTerritory></SoundRecording>"
        )
    image = (f"<Image><ImageType>FrontCoverImage</ImageType><ResourceReference>A900</ResourceReference>"
             "<ImageDetailsByTerritory><TerritoryCode>Worldwide</TerritoryCode><TechnicalImageDetails>"
             f"<File><FileName>{spec.image}</FileName></File></TechnicalImageDetails></ImageDetailsByTerritory>"
             "</Image>") if spec.image else ""
    refs = "".join(f"<ReleaseResourceReference>{t.ref}</ReleaseResourceReference>" for t in spec.tracks)
    if spec.image:
        refs += '<ReleaseResourceReference ReleaseResourceType="SecondaryResource">A900</ReleaseResourceReference>'
    date = f"<OriginalReleaseDate>{spec.release_date}</OriginalReleaseDate>" if spec.release_date else ""
    release = (
        f'<Release IsMainRelease="true">{_ids(spec.ids)}<ReleaseReference>R0</ReleaseReference>'
        f"<ReferenceTitle><TitleText>{_e(spec.title)}</TitleText></ReferenceTitle>"
        f"<ReleaseResourceReferenceList>{refs}</ReleaseResourceReferenceList><ReleaseType>{spec.release_type}"
        f"</ReleaseType><ReleaseDetailsByTerritory><TerritoryCode>Worldwide</TerritoryCode>"
        f"<DisplayArtistName>{_e(spec.artist)}</DisplayArtistName><LabelName>{_e(spec.label)}</LabelName>"
        f"{_artist382(spec.artist)}<ParentalWarningType>{spec.parental}</ParentalWarningType>{_group(spec)}"
        f"<Genre><GenreText>{spec.genres[0]}</GenreText><SubGenre>{spec.genres[1]}</SubGenre></Genre>{date}"
        f"</ReleaseDetailsByTerritory><PLine><Year>{spec.year}</Year><PLineText>{_e(spec.pline)}</PLineText></PLine>"
        f"<CLine><Year>{spec.year}</Year><CLineText>{_e(spec.cline)}</CLineText></CLine></Release>"
    )
    track_releases = "".join(
        f"<Release><ReleaseId><ISRC>{t.isrc}</ISRC></ReleaseId><ReleaseReference>R{i}</ReleaseReference>"
        f"<ReleaseType>TrackRelease</ReleaseType></Release>"
        for i, t in enumerate(spec.tracks, 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ern:NewReleaseMessage xmlns:ern="{NS["3.8.2"]}" '
        f'MessageSchemaVersionId="ern/382" LanguageAndScriptCode="en">\n{_header(spec)}\n'
        "<ResourceList>\n" + "\n".join(recordings) + f"\n{image}</ResourceList>\n"
        f"<ReleaseList>\n{release}\n{track_releases}</ReleaseList>\n"
        "<DealList>\n" + "\n".join(_deal(spec, d) for d in spec.deals) + "\n</DealList>\n</ern:NewReleaseMessage>\n"
    )


def message(spec: Spec) -> str:
    """The NewReleaseMessage of a spec, in its version."""
    return ern43(spec) if spec.version == "4.3" else ern382(spec)


def purge(version: str, ids: dict[str, Any], created: str) -> str:
    """A PurgeReleaseMessage."""
    extra = ' MessageSchemaVersionId="ern/382"' if version == "3.8.2" else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ern:PurgeReleaseMessage xmlns:ern="{NS[version]}"{extra}>\n'
        f"{_header(Spec(version, ids, '', '', (), created=created))}\n"
        f"<PurgedRelease>{_ids(ids)}</PurgedRelease>\n</ern:PurgeReleaseMessage>\n"
    )


def write(folder: Path, name: str, text: str) -> Path:
    """A message file."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of `needle`."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1
