"""The properties a compiled plan's rows carry: every plain field mapped, and only what the document reads."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from graphql import parse

from api.compiled.node_plan import NodePlan
from api.compiled.properties import PLAIN, REQUIRED, SALE, properties
from api.schema import build_schema
from api.types.album import Album
from api.types.album_group import Genre
from api.types.artist import Artist
from api.types.track import Track

SCHEMA = build_schema()
FROM_ROW = {"Album": Album.from_row, "Artist": Artist.from_row, "Track": Track.from_row, "Genre": Genre.from_row}


class Recording(Mapping[str, Any]):
    """A row that answers every property with a string and remembers which were read."""

    def __init__(self) -> None:
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.read.add(name)
        return {"type": "ALBUM"}.get(name, "x")

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.mark.parametrize("type_name", sorted(PLAIN))
def test_every_plain_field_is_mapped(type_name: str) -> None:
    convert = SCHEMA.config.name_converter.get_graphql_name
    definition = SCHEMA.get_type_by_name(type_name)
    gql = SCHEMA._schema.get_type(type_name)
    plain = {convert(f) for f in definition.fields if f.base_resolver is None} & set(gql.fields)  # type: ignore[union-attr]
    assert set(PLAIN[type_name]) == plain


@pytest.mark.parametrize("type_name", sorted(PLAIN))
def test_from_row_reads_only_mapped_properties(type_name: str) -> None:
    row = Recording()
    FROM_ROW[type_name](row)
    assert row.read <= set(REQUIRED[type_name]) | set(PLAIN[type_name].values())
    assert set(REQUIRED[type_name]) <= row.read


def test_an_unmapped_plain_field_reads_every_property() -> None:
    assert properties("Album", [("title", True), ("somethingNew", True)], False) is None
    assert properties("Offer", [("format", True)], False) is None


def test_resolvers_add_nothing_but_sale_adds_what_offers_read() -> None:
    assert properties("Album", [("title", True), ("tracks", False)], False) == ("key", "title")
    with_sale = properties("Track", [("id", True), ("offers", False)], True)
    assert with_sale == ("key", "title", *SALE["Track"])


def _projections(query: str, label: str) -> dict[str, Any]:
    return dict(NodePlan(SCHEMA, parse(query), None).types[label].projections)


def test_a_genre_page_reads_only_keys_and_titles() -> None:
    found = _projections(
        "query($id: ID!) { node(id: $id) { ... on Genre { name albums(first: 20) { edges { node { id title } } } } } }",
        "Genre",
    )
    assert found["Genre"] == ("key", "name")
    assert found["Album"] == ("key", "title")


def test_an_album_page_with_offers_reads_the_sale_properties() -> None:
    found = _projections(
        'query($id: ID!) { node(id: $id) { ... on Album { title releaseDate artist { name } '
        'tracks { id durationMs offers(territory: "US") { format } } } } }',
        "Album",
    )
    assert found["Album"] == ("key", "title", "releaseDate", *SALE["Album"])
    assert found["Track"] == ("key", "title", "durationMs", *SALE["Track"])
    assert found["Artist"] == ("key", "name")
