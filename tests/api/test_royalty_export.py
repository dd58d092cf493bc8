"""GET /royalties/statement.tsv|csv: the files parse, and equal royaltyStatement; refusals are JSON."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from api.royalty_export import EXPORT_COST
from graph.driver import Graph, queries_sent
from settings import Settings
from tests.api.test_industry_codes import Coded, coded_release
from tests.api.test_ratelimit import app_with_limit, client_for
from tests.conftest import GraphQL
from tests.store_support import Fixtures, ask, bearer, gid, token

STATEMENT = """query($label: ID!, $from: Date!, $to: Date!) {
  royaltyStatement(label: $label, from: $from, to: $to) {
    units gross { amount currency } royaltiesDue { amount }
    lines { album { id } units gross { amount } royaltiesDue { amount } }
    byTrack { track { id } units gross { amount } royaltiesDue { amount } }
    byTerritory { territory units gross { amount } royaltiesDue { amount } } } }"""
BUY = """mutation($input: PurchaseInput!) { purchase(input: $input) { __typename } }"""
HOUSE_KEY = "tunegraph-house"
HOUSE = gid("Label", HOUSE_KEY)
PERIOD = {"from": "2021-01-01", "to": "2025-12-31"}

Sums = dict[str, tuple[int, Decimal, Decimal]]


def partner(settings: Settings, *labels: str, scope: str = "royalties:read") -> dict[str, str]:
    return bearer(token(settings.jwt_secret, "label-portal", scope, labels=list(labels)))


async def statement(gql: GraphQL, headers: dict[str, str], label: str, period: dict[str, str]) -> Any:
    body = await ask(gql, STATEMENT, {"label": label, **period}, headers=headers)
    assert "errors" not in body, body
    return body["data"]["royaltyStatement"]


def graphql_sums(lines: list[dict[str, Any]], key: Any) -> Sums:
    return {key(x): (x["units"], Decimal(x["gross"]["amount"]), Decimal(x["royaltiesDue"]["amount"]))
            for x in lines}


def add(sums: dict[str, tuple[int, Decimal, Decimal]], key: str, units: str, gross: str, due: str) -> None:
    u, g, d = sums.get(key, (0, Decimal(0), Decimal(0)))
    sums[key] = (u + int(units), g + Decimal(gross), d + Decimal(due))


def records(text: str) -> list[list[str]]:
    assert text.endswith("\n")
    return list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


def check_against(got: Any, by_album: Sums, by_track: Sums, by_territory: Sums) -> None:
    assert by_album == graphql_sums(got["lines"], lambda x: x["album"]["id"])
    assert by_track == graphql_sums(got["byTrack"], lambda x: x["track"]["id"])
    assert by_territory == graphql_sums(got["byTerritory"], lambda x: x["territory"])


async def test_csv_equals_the_graphql_statement(client: httpx.AsyncClient, gql: GraphQL, settings: Settings) -> None:
    headers = partner(settings, HOUSE_KEY)
    got = await statement(gql, headers, HOUSE, PERIOD)
    response = await client.get("/royalties/statement.csv", params={"label": HOUSE, **PERIOD}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    sums: list[Sums] = [{}, {}, {}]
    for row in rows:
        assert row["currency"] == got["gross"]["currency"]
        for i, key in enumerate((row["album_id"], row["track_id"], row["territory"])):
            add(sums[i], key, row["units"], row["gross"], row["royalties_due"])
    check_against(got, *sums)
    assert sum(int(r["units"]) for r in rows) == got["units"]
    assert sum(Decimal(r["royalties_due"]) for r in rows) == Decimal(got["royaltiesDue"]["amount"])


async def test_dsr_flat_file_equals_the_graphql_statement(
    client: httpx.AsyncClient, gql: GraphQL, settings: Settings
) -> None:
    headers = partner(settings, HOUSE_KEY)
    got = await statement(gql, headers, HOUSE, PERIOD)
    response = await client.get("/royalties/statement.tsv", params={"label": HOUSE, **PERIOD}, headers=headers)
    assert response.status_code == 200, response.text
    lines = records(response.text)
    head, foot = lines[0], lines[-1]
    assert head[0] == "HEAD"
    assert head[2] == "BasicAudioProfile"
    assert head[8:10] == [PERIOD["from"], PERIOD["to"]]
    assert head[12:14] == [HOUSE_KEY, "Chinook House Records"]
    assert datetime.fromisoformat(head[5]).tzinfo is not None
    assert foot[0] == "FOOT"
    assert int(foot[1]) == len(lines)
    summaries = {r[1]: r for r in lines if r[0] == "SY01"}
    assert int(foot[3]) == len(summaries)
    assert int(foot[4]) == len({r[1] for r in lines if r[0] == "RE01"})
    releases = {r[1]: r[3] for r in lines if r[0] == "RE01"}
    resources = {(r[1], r[2]): r[3] for r in lines if r[0] == "AS01"}
    sums: list[Sums] = [{}, {}, {}]
    for sale in (r for r in lines if r[0] == "SU01"):
        block, summary, resource, units, gross, due = sale[1], sale[2], sale[4], sale[6], sale[7], sale[8]
        territory = summaries[summary][5]
        for i, key in enumerate((releases[block], resources[(block, resource)], territory)):
            add(sums[i], key, units, gross, due)
    check_against(got, *sums)
    from_summaries = {s[5]: (int(s[6]), Decimal(s[8]), Decimal(s[9])) for s in summaries.values()}
    assert from_summaries == sums[2]
    assert {s[7] for s in summaries.values()} == {got["gross"]["currency"]}


@pytest.fixture
async def sold_codes(graph: Graph, gql: GraphQL, settings: Settings) -> AsyncIterator[tuple[Fixtures, Coded]]:
    made = Fixtures(graph)
    coded = await coded_release(made, random.Random())
    for i, (country, kind, key) in enumerate((("GB", "Album", coded.release.key),
                                               ("FR", "Track", coded.release.tracks[1].key))):
        buyer = await made.customer(country)
        hdrs = bearer(token(settings.jwt_secret, gid("Customer", buyer), "purchases:write"))
        order: dict[str, Any] = {"input": {"items": [{"id": gid(kind, key), "format": "MP3_320"}],
                                           "territory": country, "idempotencyKey": f"x{i}"}}
        assert (await ask(gql, BUY, order, headers=hdrs))["data"]["purchase"]["__typename"] == "Purchase"
    yield made, coded
    await made.cleanup()


async def test_files_carry_upc_and_isrc(client: httpx.AsyncClient, settings: Settings,
                                        sold_codes: tuple[Fixtures, Coded]) -> None:
    made, coded = sold_codes
    today = datetime.now(UTC).date().isoformat()
    params = {"label": gid("Label", f"{made.prefix}label"), "from": today, "to": today}
    headers = partner(settings, f"{made.prefix}label")
    tsv = records((await client.get("/royalties/statement.tsv", params=params, headers=headers)).text)
    assert [r[4] for r in tsv if r[0] == "RE01"] == [coded.ean]
    assert {r[4] for r in tsv if r[0] == "AS01"} == set(coded.isrcs)
    assert sorted(r[5] for r in tsv if r[0] == "SY01") == ["FR", "GB"]
    rows = list(csv.DictReader(io.StringIO((await client.get("/royalties/statement.csv", params=params,
                                                              headers=headers)).text)))
    units: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        assert row["upc"] == coded.ean
        units[(row["isrc"], row["territory"])] += int(row["units"])
    assert units == {(coded.isrcs[0], "GB"): 1, (coded.isrcs[1], "GB"): 1, (coded.isrcs[1], "FR"): 1}


def refusal(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    return str(error["message"])


@pytest.mark.parametrize("suffix", ["tsv", "csv"])
async def test_token_refusals(client: httpx.AsyncClient, settings: Settings, suffix: str) -> None:
    url, params = f"/royalties/statement.{suffix}", {"label": HOUSE, **PERIOD}
    refusal(await client.get(url, params=params), 401, "UNAUTHENTICATED")
    refusal(await client.get(url, params=params, headers=bearer("not.a.jwt")), 401, "UNAUTHENTICATED")
    message = refusal(await client.get(url, params=params, headers=partner(settings, "indie-a")), 403, "FORBIDDEN")
    assert HOUSE_KEY in message
    missing = {**params, "label": gid("Label", "no-such-label")}
    other = refusal(await client.get(url, params=missing, headers=partner(settings, "indie-a")), 403, "FORBIDDEN")
    assert other.replace("no-such-label", HOUSE_KEY) == message
    assert "names no labels" in refusal(await client.get(url, params=params, headers=partner(settings)),
                                        403, "FORBIDDEN")
    no_scope = partner(settings, HOUSE_KEY, scope="purchases:write")
    refusal(await client.get(url, params=params, headers=no_scope), 403, "FORBIDDEN")
    admin = partner(settings, scope="royalties:read admin")
    refusal(await client.get(url, params=missing, headers=admin), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("change", "argument"),
    [
        ({"label": None}, "label"),
        ({"from": None}, "from"),
        ({"from": "2021-13-01"}, "from"),
        ({"to": "20211231"}, "to"),
        ({"from": "2022-01-01", "to": "2021-01-01"}, "from"),
        ({"currency": "EURO"}, "currency"),
        ({"label": gid("Album", "1")}, "label"),
        ({"form": "2021-01-01"}, "form"),
    ],
)
async def test_bad_arguments_are_400_naming_them(
    client: httpx.AsyncClient, settings: Settings, change: dict[str, str | None], argument: str
) -> None:
    params = {k: v for k, v in {"label": HOUSE, **PERIOD, **change}.items() if v is not None}
    response = await client.get("/royalties/statement.csv", params=params, headers=partner(settings, HOUSE_KEY))
    message = refusal(response, 400, "BAD_REQUEST")
    assert message.startswith(f"{argument}: ")
    assert response.json()["errors"][0]["extensions"]["argument"] == argument


async def test_exports_spend_the_callers_rate_limit_budget(graph: Graph, settings: Settings) -> None:
    headers = partner(settings, HOUSE_KEY)
    async with app_with_limit(settings, EXPORT_COST * 2) as app, client_for(app, "10.9.0.1") as client:
        for _ in range(2):
            response = await client.get("/royalties/statement.csv", params={"label": HOUSE, **PERIOD}, headers=headers)
            assert response.status_code == 200, response.text
        before = queries_sent()
        refused = await client.get("/royalties/statement.tsv", params={"label": HOUSE, **PERIOD}, headers=headers)
        assert queries_sent() == before
    refusal(refused, 429, "RATE_LIMITED")
    assert int(refused.headers["Retry-After"]) == refused.json()["errors"][0]["extensions"]["retryAfter"] >= 1
