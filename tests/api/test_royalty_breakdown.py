"""Statements break down by track and by territory; each breakdown equals the purchases stored in Neo4j."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from graph.driver import Cypher, Graph
from graph.royalties import CENT, day_bounds
from settings import Settings
from tests.conftest import GraphQL
from tests.store_support import Fixtures, ask, bearer, gid, key_of_gid, token

BREAKDOWN = """query($label: ID!, $from: Date!, $to: Date!) {
  royaltyStatement(label: $label, from: $from, to: $to) {
    units gross { amount currency } royaltiesDue { amount currency }
    lines { units gross { amount } royaltiesDue { amount } }
    byTrack { track { id } units gross { amount currency } royaltiesDue { amount currency } }
    byTerritory { territory units gross { amount currency } royaltiesDue { amount currency } } } }"""
FLAT = """query($label: ID!) { royaltyStatement(label: $label, from: "2021-01-01", to: "2025-12-31") {
  units lines { units } byTrack { units } byTerritory { territory units } } }"""
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename } }"""
SOLD_LINES = Cypher(
    "test_sold_lines",
    """
    MATCH (:Label {key: $label})<-[:RELEASED_BY]-(:Album)<-[:ON_ALBUM]-(t:Track)<-[line:LINE]-(p:Purchase)
    WHERE p.purchasedAt >= $start AND p.purchasedAt < $end
    RETURN t.key AS track, p.territory AS territory, line.price AS price, line.royaltyRate AS rate
    """,
)
HOUSE = gid("Label", "tunegraph-house")

Totals = dict[str, tuple[int, Decimal, Decimal, set[tuple[str, str]]]]


def _totals() -> Totals:
    return defaultdict(lambda: (0, Decimal(0), Decimal(0), set()))


async def sold(graph: Graph, label: str, start: date, end: date) -> tuple[Totals, Totals]:
    """(per track, per territory): units, gross, exact royalty and the (track, territory) cells, from each line."""
    lo, hi = day_bounds(start, end)
    rows = await graph.read(SOLD_LINES, {"label": label, "start": lo, "end": hi})
    out: tuple[Totals, Totals] = (_totals(), _totals())
    for row in rows:
        price, rate = Decimal(str(row["price"])), Decimal(str(row["rate"]))
        for totals, key in zip(out, (row["track"], row["territory"]), strict=True):
            units, gross, exact, cells = totals[key]
            totals[key] = (units + 1, gross + price, exact + price * rate, cells | {(row["track"], row["territory"])})
    return out


def check(lines: list[dict[str, Any]], key: str, expected: Totals, total: dict[str, Any]) -> None:
    got = {line[key]: line for line in lines}
    assert set(got) == set(expected)
    for k, (units, gross, exact, cells) in expected.items():
        assert got[k]["units"] == units
        assert Decimal(got[k]["gross"]["amount"]) == gross
        # A cell is within a cent of its share of the album's rounded amount (itself within half a cent).
        assert abs(Decimal(got[k]["royaltiesDue"]["amount"]) - exact) <= CENT * (len(cells) + 1)
        assert got[k]["gross"]["currency"] == total["gross"]["currency"]
    assert sum(line["units"] for line in lines) == total["units"]
    assert sum(Decimal(line["gross"]["amount"]) for line in lines) == Decimal(total["gross"]["amount"])
    assert sum(Decimal(x["royaltiesDue"]["amount"]) for x in lines) == Decimal(total["royaltiesDue"]["amount"])


def house(settings: Settings) -> dict[str, str]:
    return bearer(token(settings.jwt_secret, "label-portal", "royalties:read", labels=[key_of_gid(HOUSE)]))


@pytest.mark.parametrize(("start", "end"), [(date(2021, 1, 1), date(2025, 12, 31)), (date(2021, 3, 5), date(2021, 4, 3))])
async def test_track_and_territory_lines_equal_the_stored_purchases(
    gql: GraphQL, graph: Graph, settings: Settings, start: date, end: date
) -> None:
    variables = {"label": HOUSE, "from": start.isoformat(), "to": end.isoformat()}
    got = (await ask(gql, BREAKDOWN, variables, headers=house(settings)))["data"]["royaltyStatement"]
    by_track, by_territory = await sold(graph, key_of_gid(HOUSE), start, end)
    assert len(by_track) > 1
    assert len(by_territory) > 1
    check([{**x, "key": key_of_gid(x["track"]["id"])} for x in got["byTrack"]], "key", by_track, got)
    check(got["byTerritory"], "territory", by_territory, got)
    grosses = [Decimal(x["gross"]["amount"]) for x in got["byTerritory"]]
    assert grosses == sorted(grosses, reverse=True)


async def test_a_statement_with_its_breakdowns_is_one_cypher_read(gql: GraphQL, settings: Settings) -> None:
    body = await ask(gql, FLAT, {"label": HOUSE}, headers=house(settings))
    got = body["data"]["royaltyStatement"]
    assert len(got["byTerritory"]) > 1
    assert gql.last_cypher == 1


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Fixtures]:
    made = Fixtures(graph)
    yield made
    await made.cleanup()


async def test_sales_in_several_territories_split_by_where_the_buyer_was(
    gql: GraphQL, graph: Graph, settings: Settings, shop: Fixtures
) -> None:
    release = await shop.release(rate="0.333")
    for i, country in enumerate(("GB", "DE", "DE")):
        buyer = await shop.customer(country)
        hdrs = bearer(token(settings.jwt_secret, gid("Customer", buyer), "purchases:write"))
        item = {"id": gid("Track", release.tracks[i % 2].key), "format": "MP3_320"}
        order: dict[str, Any] = {"input": {"items": [item], "territory": country, "idempotencyKey": f"b{i}"}}
        assert (await ask(gql, BUY, order, headers=hdrs))["data"]["purchase"]["__typename"] == "Purchase"
    today = datetime.now(UTC).date()
    label = f"{shop.prefix}label"
    hdrs = bearer(token(settings.jwt_secret, "label-portal", "royalties:read", labels=[label]))
    variables = {"label": gid("Label", label), "from": today.isoformat(), "to": today.isoformat()}
    got = (await ask(gql, BREAKDOWN, variables, headers=hdrs))["data"]["royaltyStatement"]
    by_track, by_territory = await sold(graph, label, today, today)
    assert set(by_territory) == {"GB", "DE"}
    check(got["byTerritory"], "territory", by_territory, got)
    check([{**x, "key": key_of_gid(x["track"]["id"])} for x in got["byTrack"]], "key", by_track, got)
