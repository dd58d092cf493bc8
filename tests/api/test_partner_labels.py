"""Partner tokens read only the labels their `labels` claim names; admin reads every label."""

from __future__ import annotations

from typing import Any

import pytest

from settings import Settings
from tests.conftest import GraphQL
from tests.store_support import ask, bearer, codes, gid, token

STATEMENT = """query($label: ID!) {
  royaltyStatement(label: $label, from: "2021-01-01", to: "2021-12-31") { label { name } units } }"""
HOUSE_KEY = "tunegraph-house"
MISSING_KEY = "no-such-label-anywhere"


def statement_as(gql: GraphQL, settings: Settings, label_key: str, scope: str, **claims: Any) -> Any:
    headers = bearer(token(settings.jwt_secret, "label-portal", scope, **claims))
    return ask(gql, STATEMENT, {"label": gid("Label", label_key)}, headers=headers)


async def test_a_token_reads_the_labels_it_names(gql: GraphQL, settings: Settings) -> None:
    body = await statement_as(gql, settings, HOUSE_KEY, "royalties:read", labels=["indie-a", HOUSE_KEY])
    assert "errors" not in body, body
    assert body["data"]["royaltyStatement"]["units"] > 0


async def test_another_labels_statement_is_forbidden_and_names_the_label(gql: GraphQL, settings: Settings) -> None:
    body = await statement_as(gql, settings, HOUSE_KEY, "royalties:read", labels=["indie-a"])
    assert codes(body) == ["FORBIDDEN"]
    assert body["data"] is None
    assert HOUSE_KEY in body["errors"][0]["message"]
    assert "indie-a" not in str(body)


async def test_existing_and_missing_labels_are_refused_alike(gql: GraphQL, settings: Settings) -> None:
    existing = await statement_as(gql, settings, HOUSE_KEY, "royalties:read", labels=["indie-a"])
    missing = await statement_as(gql, settings, MISSING_KEY, "royalties:read", labels=["indie-a"])
    assert codes(existing) == codes(missing) == ["FORBIDDEN"]
    assert str(existing).replace(HOUSE_KEY, "<label>") == str(missing).replace(MISSING_KEY, "<label>")


@pytest.mark.parametrize("label_key", [HOUSE_KEY, MISSING_KEY])
async def test_a_token_without_labels_sees_no_label(gql: GraphQL, settings: Settings, label_key: str) -> None:
    body = await statement_as(gql, settings, label_key, "royalties:read")
    assert codes(body) == ["FORBIDDEN"]
    assert "names no labels" in body["errors"][0]["message"]
    assert body["data"] is None


async def test_an_empty_labels_claim_sees_no_label(gql: GraphQL, settings: Settings) -> None:
    body = await statement_as(gql, settings, HOUSE_KEY, "royalties:read", labels=[])
    assert codes(body) == ["FORBIDDEN"]
    assert "names no labels" in body["errors"][0]["message"]


async def test_admin_sees_every_label(gql: GraphQL, settings: Settings) -> None:
    body = await statement_as(gql, settings, HOUSE_KEY, "royalties:read admin")
    assert body["data"]["royaltyStatement"]["label"]["name"] == "Chinook House Records"
    assert codes(await statement_as(gql, settings, MISSING_KEY, "royalties:read admin")) == ["NOT_FOUND"]


async def test_a_named_label_that_does_not_exist_is_not_found(gql: GraphQL, settings: Settings) -> None:
    body = await statement_as(gql, settings, MISSING_KEY, "royalties:read", labels=[MISSING_KEY])
    assert codes(body) == ["NOT_FOUND"]


async def test_labels_without_the_royalties_scope_are_forbidden(gql: GraphQL, settings: Settings) -> None:
    body = await statement_as(gql, settings, HOUSE_KEY, "", labels=[HOUSE_KEY])
    assert codes(body) == ["FORBIDDEN"]
    assert "royalties:read" in body["errors"][0]["message"]
