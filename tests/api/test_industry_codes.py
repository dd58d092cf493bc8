"""albumsByUpc / tracksByIsrc / albums(filter: {upc}): input order, nulls, code forms, the cap, one read."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import parse

from api import limits
from api.schema import build_schema
from graph.driver import Graph
from graph.importers.feed_codes import gs1_check_digit
from graph.industry_codes import ALBUMS_BY_UPCS, TRACKS_BY_ISRCS
from graph.release import Release
from graph.upsert import upsert_releases
from tests.api.test_query_counts import sent_by_name
from tests.conftest import GraphQL
from tests.graph.test_catalog_plans import plan_of
from tests.store_support import Fixtures, ask, codes, gid

ALBUMS = "query($upcs: [String!]!) { albumsByUpc(upcs: $upcs) { id upc title } }"
TRACKS = "query($isrcs: [String!]!) { tracksByIsrc(isrcs: $isrcs) { id isrc title album { id } } }"
TRACKS_FLAT = "query($isrcs: [String!]!) { tracksByIsrc(isrcs: $isrcs) { id isrc title durationMs } }"
FILTERED = "query($upc: String!) { albums(filter: {upc: $upc}) { totalCount edges { node { id upc } } } }"


@dataclasses.dataclass(frozen=True)
class Coded:
    """A test release with its UPC-A (12 digits) and stored EAN-13 form, and its tracks' ISRCs."""

    release: Release
    upc_a: str
    isrcs: tuple[str, ...]

    @property
    def ean(self) -> str:
        return "0" + self.upc_a


def upc_a(rng: random.Random) -> str:
    body = "7" + "".join(rng.choice("0123456789") for _ in range(10))
    return body + str(gs1_check_digit(body))


async def coded_release(made: Fixtures, rng: random.Random) -> Coded:
    """A release that carries a fresh UPC and ISRCs (the store's forms: 13 digits, no hyphens)."""
    plain = await made.release(tracks=2)
    code = upc_a(rng)
    isrcs = tuple(f"ZZT6X26{rng.randrange(100_000):05d}" for _ in plain.tracks)
    tracks = tuple(dataclasses.replace(t, isrc=i) for t, i in zip(plain.tracks, isrcs, strict=True))
    release = dataclasses.replace(plain, upc="0" + code, tracks=tracks)
    await upsert_releases(made.graph, [release])
    return Coded(release, code, isrcs)


@pytest.fixture
async def coded(graph: Graph) -> AsyncIterator[list[Coded]]:
    made = Fixtures(graph)
    rng = random.Random()
    yield [await coded_release(made, rng) for _ in range(2)]
    await made.cleanup()


def unknown_upc(known: list[Coded]) -> str:
    body = "00000000001"
    assert all(c.upc_a != body + str(gs1_check_digit(body)) for c in known)
    return body + str(gs1_check_digit(body))


async def test_albums_come_in_input_order_with_nulls_for_unknown_codes(gql: GraphQL, coded: list[Coded]) -> None:
    first, second = coded
    upcs = [second.ean, unknown_upc(coded), first.upc_a, second.upc_a]
    body = await ask(gql, ALBUMS, {"upcs": upcs})
    got = body["data"]["albumsByUpc"]
    ids = [a["id"] if a else None for a in got]
    assert ids == [gid("Album", second.release.key), None, gid("Album", first.release.key),
                   gid("Album", second.release.key)]
    assert got[2]["upc"] == first.ean
    assert got[2]["title"] == first.release.title


async def test_upc_a_and_ean_13_forms_find_the_same_album(gql: GraphQL, coded: list[Coded]) -> None:
    forms = [coded[0].upc_a, coded[0].ean, f" {coded[0].upc_a} "]
    got = (await ask(gql, ALBUMS, {"upcs": forms}))["data"]["albumsByUpc"]
    assert {a["id"] for a in got} == {gid("Album", coded[0].release.key)}


async def test_isrcs_in_any_case_with_or_without_hyphens(gql: GraphQL, coded: list[Coded]) -> None:
    isrc = coded[1].isrcs[0]
    hyphenated = f"{isrc[:2]}-{isrc[2:5]}-{isrc[5:7]}-{isrc[7:]}"
    forms = [isrc, isrc.lower(), hyphenated, hyphenated.lower(), "QQZZZ0000000", coded[0].isrcs[1]]
    got = (await ask(gql, TRACKS, {"isrcs": forms}))["data"]["tracksByIsrc"]
    track = gid("Track", coded[1].release.tracks[0].key)
    assert [t["id"] if t else None for t in got[:4]] == [track] * 4
    assert got[4] is None
    assert got[5]["id"] == gid("Track", coded[0].release.tracks[1].key)
    assert got[5]["album"]["id"] == gid("Album", coded[0].release.key)


@pytest.mark.parametrize(
    ("query", "argument", "bad"),
    [
        (ALBUMS, "upcs", "12345"),
        (ALBUMS, "upcs", "712345678905"),  # check digit should be 4
        (ALBUMS, "upcs", "ABCDEFGHIJKL"),
        (TRACKS, "isrcs", "US-XYZ-26-0001"),
        (TRACKS, "isrcs", "1SXYZ2600001"),
    ],
)
async def test_a_malformed_code_is_bad_request_naming_argument_and_index(
    gql: GraphQL, coded: list[Coded], query: str, argument: str, bad: str
) -> None:
    good = coded[0].upc_a if argument == "upcs" else coded[0].isrcs[0]
    body = await ask(gql, query, {argument: [good, bad]})
    assert codes(body) == ["BAD_REQUEST"]
    error = body["errors"][0]
    assert error["message"].startswith(f"{argument}[1]: ")
    assert error["extensions"]["argument"] == argument
    assert error["extensions"]["index"] == 1
    assert body["data"] is None


def _codes_for(argument: str, n: int, coded: list[Coded]) -> list[str]:
    return [coded[0].upc_a if argument == "upcs" else coded[0].isrcs[0]] * n


@pytest.mark.parametrize(("query", "argument"), [(ALBUMS, "upcs"), (TRACKS, "isrcs")])
async def test_at_most_100_codes(gql: GraphQL, coded: list[Coded], query: str, argument: str) -> None:
    answer = await ask(gql, query, {argument: _codes_for(argument, 100, coded)})
    assert "errors" not in answer, answer
    assert len(next(iter(answer["data"].values()))) == 100
    refused = await ask(gql, query, {argument: _codes_for(argument, 101, coded)})
    assert codes(refused) == ["BAD_REQUEST"]
    assert refused["errors"][0]["message"].startswith(f"{argument}: at most 100")


@pytest.mark.parametrize(("query", "argument", "name"),
                         [(ALBUMS, "upcs", "albums_by_upcs"), (TRACKS_FLAT, "isrcs", "tracks_by_isrcs")])
async def test_a_batch_is_one_cypher_query(
    gql: GraphQL, coded: list[Coded], query: str, argument: str, name: str
) -> None:
    many = [c.upc_a for c in coded] if argument == "upcs" else [i for c in coded for i in c.isrcs]
    before = sent_by_name().get(name, 0.0)
    body = await ask(gql, query, {argument: many + many})
    assert all(x is not None for x in next(iter(body["data"].values())))
    assert gql.last_cypher == 1
    assert sent_by_name()[name] - before == 1


@pytest.mark.parametrize(("query", "index"), [(ALBUMS_BY_UPCS, "Album(upc)"), (TRACKS_BY_ISRCS, "Track(isrc)")])
async def test_lookups_seek_the_code_index(graph: Graph, query: Any, index: str) -> None:
    ops = await plan_of(graph, query, {"keys": ["0712345678904"]})
    assert "NodeIndexSeek" in ops, (index, ops)
    assert "NodeByLabelScan" not in ops, ops


async def test_album_filter_by_upc_in_either_form(gql: GraphQL, coded: list[Coded]) -> None:
    for form in (coded[1].upc_a, coded[1].ean):
        got = (await ask(gql, FILTERED, {"upc": form}))["data"]["albums"]
        assert got["totalCount"] == 1
        assert got["edges"][0]["node"] == {"id": gid("Album", coded[1].release.key), "upc": coded[1].ean}
    body = await ask(gql, FILTERED, {"upc": "123"})
    assert codes(body) == ["BAD_REQUEST"]
    assert body["errors"][0]["message"].startswith("filter.upc: ")


@pytest.mark.parametrize(("field", "argument"), [("albumsByUpc", "upcs"), ("tracksByIsrc", "isrcs")])
def test_the_cost_limit_sizes_a_lookup_by_its_codes(field: str, argument: str) -> None:
    schema = build_schema()._schema
    query = parse(f"query($c: [String!]!) {{ {field}({argument}: $c) {{ id }} }}")
    costs = [limits.measure(schema, query, None, {"c": ["x"] * n}).cost for n in (1, 7, 60)]
    assert costs == [1, 7, 60]
