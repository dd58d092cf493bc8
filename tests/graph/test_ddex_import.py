"""`tunegraph import ddex`: ERN 4.3 and 3.8.2 messages into the real graph, read back through GraphQL."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import cli
from api.ids import to_global
from graph import changes
from graph.changes import Scope
from graph.driver import Cypher, Graph
from graph.importers import ddex
from graph.importers.ddex_mapping import duration_ms
from graph.importers.ddex_xml import DdexError
from graph.importers.synthetic_codes import gtin13
from graph.release_fields import RELEASE_KINDS
from settings import Settings
from tests.graph.ddex_messages import DealSpec, Spec, Track, line_of, message, purge, write

FIXTURES = Path(__file__).parent / "ddex"
VERSIONS = ("4.3", "3.8.2")

ALBUM = Cypher(
    "test_ddex_album",
    "MATCH (a:Album {key: $key}) OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a) "
    "WITH a, collect(properties(t)) AS tracks RETURN properties(a) AS album, tracks",
)
CLEANUP = Cypher(
    "test_ddex_cleanup",
    """
    CALL () { UNWIND $albums AS k MATCH (a:Album {key: k})
              OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a) DETACH DELETE t, a }
    CALL () { MATCH (x:Artist|Label) WHERE x.key STARTS WITH $prefix DETACH DELETE x }
    CALL () { MATCH (g:Genre) WHERE g.key STARTS WITH $prefix DETACH DELETE g }
    CALL () { MATCH (c:Change) WHERE c.releaseKey IN $albums OR c.labelKey STARTS WITH $prefix DELETE c }
    """,
)
ALBUM_QUERY = """
query($id: ID!) { node(id: $id) { ... on Album {
  title upc releaseDate artist { name } label { name } genres { name }
  tracks { isrc title durationMs discNumber trackNumber composer artists { name } }
  gb: offers(territory: "GB") { format price { amount currency } }
  us: offers(territory: "US") { format }
} } }
"""


class Maker:
    """Messages with keys unique to one test: UPCs `0993<run>...`, ISRCs `ZZ<x>DX..`, names `ddex <run> ...`."""

    def __init__(self, folder: Path) -> None:
        run = uuid.uuid4().int
        self.folder = folder
        self.upc_prefix = f"0993{run % 10**4:04d}"
        self.isrc_prefix = f"ZZ{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[run % 26]}DX{run // 26 % 100:02d}"
        self.tag = f"ddex {run % 16**8:08x}"
        self.prefix = self.tag.replace(" ", "-")
        self.albums: list[str] = []
        self.count = 0

    def upc(self) -> str:
        upc = gtin13(f"{self.upc_prefix}{len(self.albums):04d}")
        self.albums.append(upc)
        return upc

    def spec(self, version: str, tracks: int = 3, **changes: Any) -> Spec:
        """An Audio Album of `tracks` tracks (the last on disc 2), keyed by a new ICPN."""
        first = self.count
        self.count += tracks
        made = tuple(
            Track(
                f"A{i + 1}", f"{self.isrc_prefix}{first + i:05d}", f"Track {i + 1}", f"PT3M{i + 10}S",
                disc=2 if i == tracks - 1 and tracks > 1 else 1, number=1 if i == tracks - 1 and tracks > 1 else i + 1,
                artist=f"{self.tag} Guest" if i == 1 else None, composer=f"{self.tag} Writer" if i == 0 else None,
            )
            for i in range(tracks)
        )
        spec = Spec(version, {"ICPN": self.upc()}, f"{self.tag} Artist", f"{self.tag} Label", made,
                    genres=(f"{self.tag} Electronic", f"{self.tag} Synthwave"))
        return spec.but(**changes)

    def file(self, spec: Spec, name: str | None = None) -> Path:
        return write(self.folder, name or f"{uuid.uuid4().hex}.xml", message(spec))


@pytest.fixture
async def maker(graph: Graph, tmp_path: Path) -> AsyncIterator[Maker]:
    made = Maker(tmp_path)
    yield made
    await graph.write(CLEANUP, {"albums": made.albums, "prefix": made.prefix})


async def stored(graph: Graph, key: str) -> dict[str, Any] | None:
    rows = await graph.read(ALBUM, {"key": key})
    return None if not rows else {"album": rows[0]["album"], "tracks": sorted(map(repr, rows[0]["tracks"]))}


async def import_path(graph: Graph, path: Path) -> ddex.DdexSummary:
    return await ddex.load(graph, ddex.read_deliveries(path))


def problems(path: Path) -> str:
    with pytest.raises(DdexError) as caught:
        ddex.read_deliveries(path)
    return str(caught.value)


# --------------------------------------------------------------------------- mapping


@pytest.mark.parametrize("version", VERSIONS)
async def test_an_album_reads_back_through_graphql(graph: Graph, gql: Any, maker: Maker, version: str) -> None:
    spec = maker.spec(version)

    summary = await import_path(graph, maker.file(spec))

    assert (summary.messages, summary.releases.created) == (1, 1)
    body = await gql(ALBUM_QUERY, {"id": to_global("Album", spec.ids["ICPN"])})
    album = body["data"]["node"]
    assert album["title"] == "Night Drive"
    assert album["upc"] == spec.ids["ICPN"]
    assert album["releaseDate"] == "2020-01-01"
    assert album["artist"] == {"name": f"{maker.tag} Artist"}
    assert album["label"] == {"name": f"{maker.tag} Label"}
    assert album["genres"] == [{"name": f"{maker.tag} Electronic"}, {"name": f"{maker.tag} Synthwave"}]
    assert [(t["isrc"], t["discNumber"], t["trackNumber"], t["durationMs"]) for t in album["tracks"]] == [
        (spec.tracks[0].isrc, 1, 1, 190_000), (spec.tracks[1].isrc, 1, 2, 191_000), (spec.tracks[2].isrc, 2, 1, 192_000)
    ]
    assert album["tracks"][0]["composer"] == f"{maker.tag} Writer"
    assert album["tracks"][1]["artists"] == [{"name": f"{maker.tag} Guest"}]
    assert album["tracks"][2]["artists"] == [{"name": f"{maker.tag} Artist"}]
    assert album["gb"] == [
        {"format": "MP3_320", "price": {"amount": "7.99", "currency": "USD"}},
        {"format": "FLAC_16_44", "price": {"amount": "9.99", "currency": "USD"}},
    ]
    assert album["us"] == [{"format": "MP3_320"}, {"format": "FLAC_16_44"}]


PRODUCT_QUERY = """
query($id: ID!) { node(id: $id) { ... on Album {
  explicit copyright phonographicCopyright tracks { explicit }
} } }
"""


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("parental", "pline", "printed", "explicit"),
    [
        ("Explicit", "Test Records", "℗ 2020 Test Records", True),  # the year and the symbol are added
        ("NotExplicit", "(P) 2020 Test Records", "(P) 2020 Test Records", False),  # already printed: kept
        ("ExplicitContentEdited", "℗ Test Records", "℗ Test Records", False),
    ],
)
async def test_parental_warning_and_p_and_c_lines_reach_the_album(
    graph: Graph, gql: Any, maker: Maker, version: str, parental: str, pline: str, printed: str, explicit: bool
) -> None:
    spec = maker.spec(version, parental=parental, pline=pline)

    await import_path(graph, maker.file(spec))

    album = (await gql(PRODUCT_QUERY, {"id": to_global("Album", spec.ids["ICPN"])}))["data"]["node"]
    assert album["phonographicCopyright"] == printed
    assert album["copyright"] == "(C) 2020 Test Records"
    assert album["explicit"] is explicit
    assert album["tracks"] == [{"explicit": explicit}] * len(spec.tracks)


@pytest.mark.parametrize("version", VERSIONS)
async def test_redelivery_changes_nothing(graph: Graph, maker: Maker, version: str) -> None:
    path = maker.file(maker.spec(version))
    await import_path(graph, path)
    before = await stored(graph, maker.albums[0])

    again = await import_path(graph, path)

    assert (again.releases.created, again.releases.updated, again.releases.unchanged) == (0, 0, 1)
    assert await stored(graph, maker.albums[0]) == before


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_release_without_icpn_is_keyed_by_grid_else_proprietary_id(
    graph: Graph, gql: Any, maker: Maker, version: str
) -> None:
    grid = maker.spec(version, tracks=1, release_type="Single", ids={"GRid": "A1-2425G-ABC1234567-Q"})
    owned = maker.spec(version, tracks=1, release_type="Single",
                       ids={"ProprietaryId": ("DPID:PADPIDA0000000001", f"{maker.prefix}-rel")})
    maker.albums += ["grid:A12425GABC1234567Q", f"proprietary:PADPIDA0000000001:{maker.prefix}-rel"]
    maker.file(grid)
    maker.file(owned)

    summary = await import_path(graph, maker.folder)

    assert summary.releases.created == 2
    for key in maker.albums[-2:]:
        body = await gql(ALBUM_QUERY, {"id": to_global("Album", key)})
        single = body["data"]["node"]
        assert single["upc"] is None
        # a single's price is its track's: the Mid tier's track prices
        assert [o["price"]["amount"] for o in single["gb"]] == ["0.99", "1.29"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_territories_exclusions_tiers_and_wholesale(graph: Graph, gql: Any, maker: Maker, version: str) -> None:
    deals = (DealSpec(territories=("Worldwide",), excluded=("US", "CA"), tier="Premium", wholesale="8.40"),
             DealSpec(territories=("FR",), tier="Budget", use="OnDemandStream"))
    spec = maker.spec(version, deals=deals)

    await import_path(graph, maker.file(spec))

    body = await gql(ALBUM_QUERY, {"id": to_global("Album", spec.ids["ICPN"])})
    assert body["data"]["node"]["us"] == []
    assert [o["price"]["amount"] for o in body["data"]["node"]["gb"]] == ["11.99", "14.99"]
    album = (await stored(graph, spec.ids["ICPN"]) or {})["album"]
    assert "US" not in album["territories"]
    assert "CA" not in album["territories"]
    assert "FR" in album["territories"]
    assert album["royaltyRate"] == "0.7006"  # 8.40 / 11.99


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_deal_that_ends_is_a_takedown(graph: Graph, gql: Any, maker: Maker, version: str) -> None:
    spec = maker.spec(version)
    await import_path(graph, maker.file(spec))
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()

    ended = await import_path(graph, maker.file(spec.but(deals=(DealSpec(end=yesterday),))))

    assert ended.releases.taken_down == 1
    album = (await stored(graph, spec.ids["ICPN"]) or {})["album"]
    assert str(album["rightsEnd"]) == datetime.now(UTC).date().isoformat()  # EndDate is the last day on sale
    body = await gql(ALBUM_QUERY, {"id": to_global("Album", spec.ids["ICPN"])})
    assert body["data"]["node"]["gb"] == []


async def test_a_takedown_flag_ends_the_deal_on_the_message_date(graph: Graph, gql: Any, maker: Maker) -> None:
    spec = maker.spec("3.8.2")
    await import_path(graph, maker.file(spec))
    today = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    summary = await import_path(graph, maker.file(spec.but(created=today, deals=(DealSpec(takedown=True),))))

    assert summary.releases.taken_down == 1
    album = (await stored(graph, spec.ids["ICPN"]) or {})["album"]
    assert str(album["rightsEnd"]) == today[:10]
    body = await gql(ALBUM_QUERY, {"id": to_global("Album", spec.ids["ICPN"])})
    assert body["data"]["node"]["gb"] == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_purge_takes_the_release_down_once(graph: Graph, gql: Any, maker: Maker, version: str) -> None:
    spec = maker.spec(version)
    await import_path(graph, maker.file(spec))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    purge_file = write(maker.folder, "purge.xml", purge(version, spec.ids, now))

    before, _ = await changes.head(graph)
    first = await import_path(graph, purge_file)
    after = await stored(graph, spec.ids["ICPN"])
    second = await import_path(graph, purge_file)

    assert (first.purged, second.purged, second.purge_unknown) == (1, 0, 0)
    page = await changes.read_changes(graph, before, 100, Scope(frozenset(RELEASE_KINDS)))
    mine = [(c["kind"], c["upc"], c["fields"]) for c in page.rows if c["releaseKey"] == spec.ids["ICPN"]]
    assert mine == [("TAKEN_DOWN", spec.ids["ICPN"], ["rightsEnd"])]  # the purge, once: partners see it
    assert await stored(graph, spec.ids["ICPN"]) == after
    body = await gql(ALBUM_QUERY, {"id": to_global("Album", spec.ids["ICPN"])})
    assert body["data"]["node"]["gb"] == []
    unknown = write(maker.folder, "unknown.xml", purge(version, {"ICPN": gtin13(f"{maker.upc_prefix}9999")}, now))
    assert (await import_path(graph, unknown)).purge_unknown == 1


async def test_a_folder_imports_in_message_order(graph: Graph, gql: Any, maker: Maker) -> None:
    spec = maker.spec("4.3")
    # file names sort the other way round: the purge (a.xml) was sent after the release (b.xml)
    write(maker.folder, "a.xml", purge("4.3", spec.ids, "2026-02-01T00:00:00+01:00"))
    maker.file(spec, "b.xml")
    other = maker.spec("3.8.2", created="2026-01-15T00:00:00Z")
    maker.file(other, "c.xml")

    summary = await import_path(graph, maker.folder)

    assert (summary.messages, summary.releases.created, summary.purged) == (3, 2, 1)
    gone = await gql(ALBUM_QUERY, {"id": to_global("Album", spec.ids["ICPN"])})
    kept = await gql(ALBUM_QUERY, {"id": to_global("Album", other.ids["ICPN"])})
    assert gone["data"]["node"]["gb"] == []
    assert kept["data"]["node"]["gb"] != []
    album = (await stored(graph, spec.ids["ICPN"]) or {})["album"]
    assert str(album["rightsEnd"]) == "2026-01-31"  # 00:00 at +01:00 is still January in UTC


async def test_a_redelivery_after_a_purge_puts_the_release_back(graph: Graph, maker: Maker) -> None:
    spec = maker.spec("4.3")
    await import_path(graph, maker.file(spec))
    await import_path(graph, write(maker.folder, "purge.xml", purge("4.3", spec.ids, "2026-02-01T00:00:00Z")))

    again = await import_path(graph, maker.file(spec.but(created="2026-03-01T00:00:00Z")))

    assert again.releases.updated == 1
    assert "rightsEnd" not in (await stored(graph, spec.ids["ICPN"]) or {"album": {"rightsEnd": 1}})["album"]


# --------------------------------------------------------------------------- problems


def _cases(maker: Maker, version: str) -> list[tuple[Spec, str, str]]:
    """(a bad message, the text at the problem's line, the `field: message` expected there)."""
    good = maker.spec(version)
    t0, t1 = good.tracks[0], good.tracks[1]
    icpn = good.ids["ICPN"]
    wrong = icpn[:-1] + str((int(icpn[-1]) + 1) % 10)
    return [
        (good.but(tracks=(Track("A1", None, "No ISRC"), t1)), "No ISRC", "SoundRecording[A1].ISRC: is required"),
        (good.but(tracks=(t0.__class__("A1", t0.isrc, "Slow", "3:25"), t1)), "Slow",
         "SoundRecording[A1].Duration: not a positive ISO 8601 duration such as PT3M25S: '3:25'"),
        (good.but(deals=(DealSpec(territories=("GB", "UK")),)), "<TerritoryCode>UK",
         "DealTerms.TerritoryCode: unknown territory 'UK': not an ISO 3166-1 alpha-2 code (did you mean 'GB'?)"),
        (good.but(ids={"ICPN": wrong}), wrong, f"ReleaseId.ICPN: not a valid UPC: wrong check digit (should be {icpn[-1]})"),
        (good.but(deals=(DealSpec(start="2021-05-02", end="2021-05-01"),)), "<EndDate>",
         "ValidityPeriod.EndDate: 2021-05-01 is before StartDate 2021-05-02"),
        (good.but(extra_refs=("A77",)), "A77", "ReleaseResourceReference: no resource 'A77' in the ResourceList"),
        (good.but(deals=(DealSpec(tier="Gold"),)), "Gold", "PriceInformation: unknown price tier 'Gold'"),
        (good.but(deals=(DealSpec(use="OnDemandStream"),)),
         "<Release><ReleaseReference>" if version == "4.3" else "<Release IsMainRelease",
         "DealList: no download deal (UseType PermanentDownload) for the main release"),
        (good.but(parental="Rude"), "Rude", "SoundRecording[A1].ParentalWarningType: unknown ParentalWarningType 'Rude'"),
        (good.but(year="20x0"), "20x0", "SoundRecording[A1].PLine.Year: not a year: '20x0'"),
        (good.but(release_type="Ringtone"), "Ringtone", "ReleaseType: unsupported 'Ringtone'"),
        (good.but(deals=(DealSpec(ref="R99"),)), "R99", "DealReleaseReference: no Release 'R99' in the ReleaseList"),
        (good.but(cline=""), "<CLine>", "CLine.CLineText: is required"),
        (good.but(deals=(DealSpec(wholesale="5.00", currency="EUR"),)), 'CurrencyCode="EUR"',
         "WholesalePricePerUnit.CurrencyCode: must be USD"),
        (good.but(created="yesterday"), "<MessageHeader>", "MessageHeader.MessageCreatedDateTime: not a date-time"),
    ]


@pytest.mark.parametrize("version", VERSIONS)
async def test_each_problem_names_file_line_and_field_and_nothing_is_written(
    graph: Graph, maker: Maker, version: str
) -> None:
    for spec, needle, expected in _cases(maker, version):
        text = message(spec)
        path = write(maker.folder, "bad.xml", text)
        line = line_of(text, needle)

        report = problems(path)

        assert f"{path}:{line}: {expected}" in report, (expected, report)
    assert [await stored(graph, key) for key in maker.albums] == [None] * len(maker.albums)


async def test_a_batch_with_one_bad_message_writes_nothing(
    graph: Graph, maker: Maker, capsys: pytest.CaptureFixture[str]
) -> None:
    good = maker.spec("4.3")
    maker.file(good, "good.xml")
    bad = maker.spec("3.8.2", tracks=2)
    maker.file(bad.but(tracks=(bad.tracks[0], bad.tracks[1].__class__("A2", "NOT-AN-ISRC", "Bad", number=2))), "bad.xml")

    status = await asyncio.to_thread(cli.main, ["import", "ddex", str(maker.folder)])

    err = capsys.readouterr().err
    assert status == 1
    assert f"bad.xml:{line_of(message(bad), 'Track 2')}: SoundRecording[A2].ISRC: not a valid ISRC" in err
    assert await stored(graph, good.ids["ICPN"]) is None


async def test_the_cli_imports_a_folder(graph: Graph, settings: Settings, maker: Maker,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    maker.file(maker.spec("4.3"))

    status = await asyncio.to_thread(cli.main, ["import", "ddex", str(maker.folder)])

    assert status == 0, capsys.readouterr().err
    assert "1 messages: releases 1 created, 0 updated, 0 unchanged, 0 taken down; 0 purged" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wrong_namespace.xml", ":2: NewReleaseMessage: unsupported namespace 'http://ddex.net/xml/ern/41'"),
        ("wrong_version.xml", ":2: MessageSchemaVersionId: says 'ern/43' but the namespace is ERN 3.8.2"),
        ("wrong_message.xml", ":2: CatalogListMessage: unsupported message (supported: NewReleaseMessage, Purge"),
    ],
)
def test_other_versions_and_messages_are_refused(name: str, expected: str) -> None:
    assert f"{FIXTURES / name}{expected}" in problems(FIXTURES / name)


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml", "external_dtd.xml"])
def test_entity_attacks_are_refused(name: str) -> None:
    started = time.monotonic()

    report = problems(FIXTURES / name)

    assert f"{FIXTURES / name}:1: a DOCTYPE is not allowed (DTDs and entity declarations are refused)" in report
    assert "NewReleaseMessage" not in report  # refused before anything was read
    assert "lollol" not in report
    assert time.monotonic() - started < 30  # generous: an expanded billion laughs would not finish at all


def test_not_well_formed_xml_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.xml", '<?xml version="1.0"?>\n<a>\n<b></a>\n')

    assert f"{path}:3: not well-formed XML" in problems(path)


@pytest.mark.parametrize(
    ("text", "millis"),
    [("PT3M25S", 205_000), ("PT1H2M3.5S", 3_723_500), ("P0DT0H4M0S", 240_000), ("PT45S", 45_000),
     ("PT", None), ("3:25", None), ("PT3M25", None), ("PT-3M", None)],
)
def test_iso_8601_durations(text: str, millis: int | None) -> None:
    assert duration_ms(text) == millis
