"""`tunegraph token`: a development bearer token that the API accepts as the customer or partner named."""

from __future__ import annotations

import sqlite3
import time
import warnings
from typing import Any

import httpx
import jwt
import pytest

import cli
from settings import Settings
from tests.store_support import codes, gid

VIEWER = "{ viewer { id country } }"
ROYALTIES = 'query($label: ID!) { royaltyStatement(label: $label, from: "2021-01-01", to: "2021-01-31") { units } }'


def issued(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert cli.main(["token", *argv]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return out.strip()


def claims(token: str, settings: Settings) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)  # the tests' short secret
        decoded: dict[str, Any] = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"])
    return decoded


async def ask(client: httpx.AsyncClient, query: str, token: str, variables: dict[str, Any] | None = None) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"Authorization": f"Bearer {token}"})
    return response.json()


@pytest.mark.parametrize("customer", ["2", gid("Customer", "2")], ids=["chinook-id", "global-id"])
async def test_customer_token_is_the_viewer(
    client: httpx.AsyncClient, settings: Settings, sqlite: sqlite3.Connection,
    capsys: pytest.CaptureFixture[str], customer: str,
) -> None:
    token = issued(capsys, "--customer", customer, "--scope", "purchases:write")
    body = await ask(client, VIEWER, token)
    country = sqlite.execute("SELECT Country FROM Customer WHERE CustomerId = 2").fetchone()[0]
    assert body == {"data": {"viewer": {"id": gid("Customer", "2"), "country": "DE"}}}
    assert country == "Germany"
    found = claims(token, settings)
    assert found["sub"] == gid("Customer", "2")
    assert found["scope"] == "purchases:write"
    assert found["exp"] - found["iat"] == 3600
    assert abs(found["iat"] - time.time()) < 60


async def test_partner_token_reads_royalties_and_has_no_viewer(
    client: httpx.AsyncClient, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    token = issued(capsys, "--partner", "acme", "--scope", "royalties:read", "--expires", "30m",
                   "--label", "tunegraph-house")
    statement = await ask(client, ROYALTIES, token, {"label": gid("Label", "tunegraph-house")})
    assert "errors" not in statement, statement
    unlisted = issued(capsys, "--partner", "acme", "--scope", "royalties:read", "--label", "indie-a,indie-b")
    assert claims(unlisted, settings)["labels"] == ["indie-a", "indie-b"]
    refused = await ask(client, ROYALTIES, unlisted, {"label": gid("Label", "tunegraph-house")})
    assert codes(refused) == ["FORBIDDEN"]
    assert isinstance(statement["data"]["royaltyStatement"]["units"], int)
    viewer = await ask(client, VIEWER, token)
    assert codes(viewer) == ["FORBIDDEN"]
    assert "'acme' is not a customer" in viewer["errors"][0]["message"]
    found = claims(token, settings)
    assert (found["sub"], found["exp"] - found["iat"]) == ("acme", 1800)


async def test_scopes_are_what_the_api_checks(client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]) -> None:
    without = issued(capsys, "--partner", "acme")
    assert codes(await ask(client, ROYALTIES, without, {"label": gid("Label", "tunegraph-house")})) == ["FORBIDDEN"]


def test_never_expiring_and_several_scopes(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    token = issued(capsys, "--customer", "1", "--scope", "purchases:write,admin", "--scope", "royalties:read",
                   "--expires", "never")
    found = claims(token, settings)
    assert "exp" not in found
    assert found["scope"].split() == ["purchases:write", "admin", "royalties:read"]


def test_a_partner_token_with_a_budget_of_its_own(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    token = issued(capsys, "--partner", "acme", "--rate-limit", "120000")
    assert claims(token, settings)["rateLimit"] == 120000
    assert "rateLimit" not in claims(issued(capsys, "--partner", "acme"), settings)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--customer", "1", "--scope", "purchases:write bogus"], "unknown scope bogus"),
        (["--partner", gid("Customer", "1")], "--partner needs a name that is not a Customer ID"),
    ],
)
def test_mistakes_exit_non_zero_with_the_reason(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    assert cli.main(["token", *argv]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert says in captured.err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--customer", gid("Artist", "1")], "Customer global ID"),
        (["--customer", "1", "--expires", "soon"], "duration"),
        (["--partner", "acme", "--rate-limit", "0"], "positive whole number"),
        (["--customer", "1", "--partner", "acme"], "not allowed with"),
        ([], "one of the arguments --customer --partner is required"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["token", *argv])
    assert exited.value.code == 2
    assert says in capsys.readouterr().err
