"""The schema explains itself: every type, field, argument, input field and enum value is described."""

from __future__ import annotations

from collections.abc import Iterator

import graphql
import httpx
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    specified_scalar_types,
)

from api.scalars import DATE_SPEC, DATE_TIME_SPEC, DECIMAL_SPEC
from api.schema import build_schema

CUSTOM_SCALARS = {"Date": DATE_SPEC, "DateTime": DATE_TIME_SPEC, "Decimal": DECIMAL_SPEC}


def undescribed(schema: GraphQLSchema) -> Iterator[str]:
    """Coordinates of every schema element without a description (built-in scalars and `__` types aside)."""
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in specified_scalar_types:
            continue
        if not (kind.description or "").strip():
            yield name
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                if not (field.description or "").strip():
                    yield f"{name}.{field_name}"
                yield from (f"{name}.{field_name}({arg})" for arg, a in field.args.items()
                            if not (a.description or "").strip())
        elif isinstance(kind, GraphQLInputObjectType):
            yield from (f"{name}.{f}" for f, field in kind.fields.items() if not (field.description or "").strip())
        elif isinstance(kind, GraphQLEnumType):
            yield from (f"{name}.{v}" for v, value in kind.values.items() if not (value.description or "").strip())


def test_the_walk_finds_what_is_missing() -> None:
    bare = graphql.build_schema('type Q { "said" f(a: Int, "said" b: Int): Int }  enum E { "said" X Y }')
    assert sorted(undescribed(bare)) == ["E", "E.Y", "Q", "Q.f(a)"]


def test_every_element_of_the_schema_is_described() -> None:
    missing = list(undescribed(build_schema()._schema))
    assert missing == [], f"{len(missing)} undescribed: {', '.join(missing)}"


async def test_introspection_over_http_shows_the_descriptions_and_scalar_specs(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": get_introspection_query(specified_by_url=True)})
    served = build_client_schema(response.json()["data"])
    assert list(undescribed(served)) == []
    for name, url in CUSTOM_SCALARS.items():
        scalar = served.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        assert scalar.specified_by_url == url
        assert scalar.description


def test_defaults_and_scopes_are_spelled_out() -> None:
    query = build_schema()._schema.query_type
    assert query is not None
    assert "20 when omitted" in (query.fields["albums"].args["first"].description or "")
    assert "all time" in (query.fields["bestsellers"].description or "")
    assert "royalties:read" in (query.fields["royaltyStatement"].description or "")
    offers = build_schema()._schema.type_map["Album"]
    assert isinstance(offers, GraphQLObjectType)
    assert "Without it" in (offers.fields["offers"].args["territory"].description or "")
