"""Downloads end to end: bought through `purchase`, linked by `download`, fetched over HTTP.

Each module run serves its own app over a fresh media folder, so encodes and cache files are its own.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from mutagen.flac import FLAC
from PIL import Image
from prometheus_client import REGISTRY

from api.errors import RETRY_AFTER_SECONDS
from api.media import Media
from api.types.offer import Format
from delivery.formats import ENCODINGS
from delivery.signing import Grant, sign
from graph.driver import Cypher, Graph
from graph.release import Offer, PartyRef, Release, Rights, TrackRecord
from graph.upsert import upsert_releases
from server import create_app
from settings import Settings
from tests.spare_neo4j import free_port
from tests.store_support import Fixtures, bearer, gid, token

AUDIO = ("MP3_320", "AAC_256", "FLAC_16_44", "FLAC_24_96")
ARTIST = "Sigur Rós"
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename ... on Purchase { id } } }"""
LINK = "mutation($t: ID!, $f: Format!) { download(track: $t, format: $f) { url format expiresAt track { id } } }"
ALBUM_LINKS = """mutation($a: ID!, $f: Format!) {
  downloadAlbum(album: $a, format: $f) { album { id } downloads { url format track { id } } } }"""
DOWNLOADS_OF = Cypher(
    "test_downloads_of",
    "MATCH (:Customer {key: $customer})-[:MADE]->()-[l:LINE {format: $format}]->(:Track {key: $track}) "
    "RETURN l.downloads AS downloads",
)


@dataclass
class Store:
    """The app under test, a release in every audio format, a buyer and a customer who bought nothing."""

    client: httpx.AsyncClient
    media: Media
    graph: Graph
    release: Release
    buyer: str
    headers: dict[str, str]
    stranger: dict[str, str]

    def track(self, i: int) -> str:
        return gid("Track", self.release.tracks[i].key)

    async def ask(self, query: str, variables: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables},
                                          headers=self.headers if headers is None else headers)
        return response.json()

    async def link(self, i: int, fmt: str) -> str:
        body = await self.ask(LINK, {"t": self.track(i), "f": fmt})
        assert "errors" not in body, body
        url: str = body["data"]["download"]["url"]
        return url


def _release(prefix: str) -> Release:
    artist = PartyRef(f"{prefix}artist", ARTIST)
    return Release(
        key=f"{prefix}album", title="Takk…", type="ALBUM", artists=(artist,), genres=("Rock",),
        rights=Rights(territories=("*",), royalty_rate=Decimal("0.5")), currency="USD",
        album_offers=tuple(Offer(f, Decimal("9.99")) for f in AUDIO),
        tracks=tuple(
            TrackRecord(key=f"{prefix}t{i}", title=f"Hoppípolla {i}", duration_ms=8000, disc_number=1,
                        track_number=i + 1, artists=(artist,), isrc=f"ISTST{i:07d}",
                        offers=tuple(Offer(f, Decimal("1.29")) for f in AUDIO))
            for i in range(4)
        ),
    )


async def _buy(client: httpx.AsyncClient, headers: dict[str, str], items: list[tuple[str, str]], key: str) -> None:
    variables = {"input": {"items": [{"id": i, "format": f} for i, f in items], "territory": "GB",
                           "idempotencyKey": key}}
    body = (await client.post("/graphql", json={"query": BUY, "variables": variables}, headers=headers)).json()
    assert body["data"]["purchase"]["__typename"] == "Purchase", body


@pytest.fixture(scope="module")
async def store(graph: Graph, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Store]:
    app = create_app(dataclasses.replace(settings, media_dir=tmp_path_factory.mktemp("media")))
    made = Fixtures(graph)
    release = _release(made.prefix)
    await upsert_releases(graph, [release])
    made.releases.append(release.key)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as client:
            buyer = await made.customer("GB")
            headers = bearer(token(settings.jwt_secret, gid("Customer", buyer), "purchases:write"))
            stranger = bearer(token(settings.jwt_secret, gid("Customer", await made.customer("GB"))))
            t = [gid("Track", tr.key) for tr in release.tracks]
            await _buy(client, headers, [(t[0], "FLAC_16_44"), (t[1], "AAC_256"), (t[3], "FLAC_24_96")], "tracks")
            await _buy(client, headers, [(gid("Album", release.key), "MP3_320")], "album")
            yield Store(client, app.state.services.media, graph, release, buyer, headers, stranger)
    await made.cleanup()


def test_every_audio_format_sold_has_an_encoding() -> None:
    assert set(ENCODINGS) == {f.value for f in Format} - {"MPEG4_VIDEO"}


def _encodes(fmt: str) -> float:
    return REGISTRY.get_sample_value("tunegraph_media_encodes_total", {"format": fmt}) or 0.0


def _error(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def test_an_owned_track_downloads_whole_with_its_headers_tags_and_audio(store: Store, tmp_path: Path) -> None:
    body = await store.ask(LINK, {"t": store.track(0), "f": "FLAC_16_44"})
    link = body["data"]["download"]
    expires = datetime.fromisoformat(link["expiresAt"]).timestamp()
    assert link["format"] == "FLAC_16_44"
    assert link["track"] == {"id": store.track(0)}
    assert abs(expires - (time.time() + 900)) < 60
    response = await store.client.get(link["url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/flac"
    assert int(response.headers["content-length"]) == len(response.content) > 0
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Sigur Ros - Hoppipolla 0.flac\"; "
        "filename*=UTF-8''Sigur%20R%C3%B3s%20-%20Hopp%C3%ADpolla%200.flac"
    )
    saved = tmp_path / "got.flac"
    saved.write_bytes(response.content)
    with av.open(str(saved)) as media:
        stream = media.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.format.name) == ("flac", 44_100, "s16")
        assert media.duration is not None
        assert abs(media.duration / av.time_base - 8) < 0.1
    tags = FLAC(saved)
    assert (tags["TITLE"], tags["ARTIST"], tags["ALBUM"], tags["TRACKNUMBER"], tags["ISRC"]) == (
        ["Hoppípolla 0"], [ARTIST], ["Takk…"], ["1"], ["ISTST0000000"])
    with Image.open(io.BytesIO(tags.pictures[0].data)) as cover:
        assert cover.size == (600, 600)


async def test_single_ranges_resume_and_bad_ones_are_416(store: Store) -> None:
    url = await store.link(0, "FLAC_16_44")
    whole = (await store.client.get(url)).content
    part = await store.client.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.content == whole[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(whole)}"
    tail = await store.client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206
    assert tail.content == whole[-10:]
    beyond = await store.client.get(url, headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(whole)}"


async def test_downloads_are_counted_and_resumed_transfers_are_not(store: Store) -> None:
    key = store.release.tracks[2].key
    params = {"customer": store.buyer, "track": key, "format": "MP3_320"}
    before = REGISTRY.get_sample_value("tunegraph_downloads_total", {"format": "MP3_320"}) or 0.0
    url = await store.link(2, "MP3_320")
    assert (await store.client.get(url)).status_code == 200
    assert (await store.client.get(url, headers={"Range": "bytes=0-99"})).status_code == 206
    assert (await store.client.get(url, headers={"Range": "bytes=100-"})).status_code == 206
    assert (await store.graph.read(DOWNLOADS_OF, params))[0]["downloads"] == 2
    assert REGISTRY.get_sample_value("tunegraph_downloads_total", {"format": "MP3_320"}) == before + 2


@pytest.mark.parametrize(
    ("case", "code"),
    [("other-format", "FORBIDDEN"), ("stranger", "FORBIDDEN"), ("no-token", "UNAUTHENTICATED"),
     ("partner", "FORBIDDEN"), ("video", "BAD_REQUEST"), ("unknown", "NOT_FOUND"), ("album-id", "BAD_REQUEST")],
)
async def test_links_are_refused_for_what_the_viewer_does_not_own(
    store: Store, settings: Settings, case: str, code: str
) -> None:
    track, fmt, headers = store.track(0), "FLAC_24_96" if case == "other-format" else "FLAC_16_44", store.headers
    headers = {"stranger": store.stranger, "no-token": {},
               "partner": bearer(token(settings.jwt_secret, "partner"))}.get(case, headers)
    fmt = "MPEG4_VIDEO" if case == "video" else fmt
    track = {"unknown": gid("Track", "no-such-track"), "album-id": gid("Album", store.release.key)}.get(case, track)
    body = await store.ask(LINK, {"t": track, "f": fmt}, headers)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == code
    if code == "FORBIDDEN" and case != "partner":
        assert track in error["message"]
        assert fmt in error["message"]


def _payload_swapped(url: str, customer: str) -> str:
    token_ = url.rsplit("/", 1)[1]
    payload, signature = token_.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields[0] = customer
    forged = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    return url.replace(token_, f"{forged}.{signature}")


async def test_tampered_expired_and_unowned_links_are_403(store: Store) -> None:
    url = await store.link(0, "FLAC_16_44")
    base = url.rsplit("/", 1)[0]
    key = store.media.link_key
    track = store.release.tracks[0].key
    forged = {
        "tampered": url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"),
        "another-customer": _payload_swapped(url, "someone-else"),
        "expired": f"{base}/{sign(key, Grant(store.buyer, track, 'FLAC_16_44', int(time.time()) - 1))}",
        "not-owned": f"{base}/{sign(key, Grant(store.buyer, track, 'FLAC_24_96', int(time.time()) + 60))}",
    }
    for case, bad in forged.items():
        response = await store.client.get(bad)
        assert (response.status_code, _error(response)) == (403, "FORBIDDEN"), case
        assert response.headers["content-type"] == "application/json", case
    for path in ("..%2F..%2Fsettings.py", "..%2Fmasters", "%2e%2e%2f%2e%2e%2fpyproject.toml"):
        response = await store.client.get(f"{base}/{path}")
        assert (response.status_code, _error(response)) == (404, "NOT_FOUND"), path


async def test_sixteen_concurrent_downloads_of_an_uncached_file_encode_once(store: Store) -> None:
    url = await store.link(1, "AAC_256")
    before, made = _encodes("AAC_256"), store.media.library.cache.made
    responses = await asyncio.gather(*(store.client.get(url) for _ in range(16)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert _encodes("AAC_256") == before + 1
    assert store.media.library.cache.made == made + 1


async def test_album_links_cover_each_owned_track(store: Store) -> None:
    album = gid("Album", store.release.key)
    whole = (await store.ask(ALBUM_LINKS, {"a": album, "f": "MP3_320"}))["data"]["downloadAlbum"]
    assert whole["album"] == {"id": album}
    assert [d["track"]["id"] for d in whole["downloads"]] == [store.track(i) for i in range(4)]
    some = (await store.ask(ALBUM_LINKS, {"a": album, "f": "FLAC_24_96"}))["data"]["downloadAlbum"]
    assert [d["track"]["id"] for d in some["downloads"]] == [store.track(3)]
    response = await store.client.get(whole["downloads"][3]["url"])
    assert (response.status_code, response.headers["content-type"]) == (200, "audio/mpeg")
    refused = await store.ask(ALBUM_LINKS, {"a": album, "f": "MP3_320"}, store.stranger)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    unknown = await store.ask(ALBUM_LINKS, {"a": gid("Album", "no-such-album"), "f": "MP3_320"})
    assert [e["extensions"]["code"] for e in unknown["errors"]] == ["NOT_FOUND"]


async def test_a_corrupt_master_is_503_and_leaves_no_cache_file(store: Store) -> None:
    key = store.release.tracks[3].key
    library = store.media.library
    library.masters.root.mkdir(parents=True, exist_ok=True)
    library.masters.path_of(key).write_bytes(b"fLaC" + b"\x00not audio" * 50)
    response = await store.client.get(await store.link(3, "FLAC_24_96"))
    assert (response.status_code, _error(response)) == (503, "UNAVAILABLE")
    assert not [p for p in library.cache.root.iterdir() if "FLAC_24_96" in p.name or p.name.startswith(".partial")]


async def test_covers_come_at_every_size_with_immutable_versioned_urls(store: Store) -> None:
    album = gid("Album", store.release.key)
    body = await store.ask("query($a: ID!) { album(id: $a) { artwork { url width height } } }", {"a": album}, {})
    images = body["data"]["album"]["artwork"]
    assert [(i["width"], i["height"]) for i in images] == [(s, s) for s in (100, 300, 600, 1200)]
    for image in images:
        response = await store.client.get(image["url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        with Image.open(io.BytesIO(response.content)) as jpeg:
            assert (jpeg.format, jpeg.size) == ("JPEG", (image["width"], image["height"]))
    current = images[1]["url"]
    stale = await store.client.get(current.split("?")[0] + "?v=0000", follow_redirects=False)
    assert stale.status_code == 302
    assert stale.headers["location"] == current
    for bad in (current.replace("/300.jpg", "/301.jpg"), current.replace(current.split("/")[-2], "QWxidW06bm9uZQ==")):
        assert (await store.client.get(bad)).status_code == 404


async def test_a_preview_is_an_mp3_cut_from_the_master(store: Store, tmp_path: Path) -> None:
    body = await store.ask("query($t: ID!) { node(id: $t) { ... on Track { previewUrl } } }", {"t": store.track(2)}, {})
    response = await store.client.get(body["data"]["node"]["previewUrl"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    saved = tmp_path / "preview.mp3"
    saved.write_bytes(response.content)
    with av.open(str(saved)) as media:
        assert media.streams.audio[0].codec_context.name == "mp3float"
        assert media.duration is not None
        assert 7.5 < media.duration / av.time_base <= 30
    missing = body["data"]["node"]["previewUrl"].rsplit("/", 1)[0] + "/" + "VHJhY2s6bm9uZQ==.mp3"
    assert (await store.client.get(missing)).status_code == 404


async def test_with_neo4j_gone_media_routes_answer_503_json(tmp_path: Path, settings: Settings) -> None:
    gone = dataclasses.replace(settings, neo4j_uri=f"bolt://127.0.0.1:{free_port()}", media_dir=tmp_path / "media",
                               model_dir=tmp_path / "models", data_dir=tmp_path / "data")
    app = create_app(gone)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://tunegraph.test", timeout=60
    ) as client:
        link = sign(app.state.services.media.link_key, Grant("c", "1", "MP3_320", int(time.time()) + 60))
        for path in (f"/media/download/{link}", "/media/preview/VHJhY2s6MQ==.mp3", "/media/artwork/QWxidW06MQ==/300.jpg"):
            response = await client.get(path)
            assert (response.status_code, _error(response)) == (503, "UNAVAILABLE"), path
            assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert not (tmp_path / "media" / "cache").exists()
