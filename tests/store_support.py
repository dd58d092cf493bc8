"""Helpers for the store tests: tokens, throw-away customers and releases, and their cleanup."""

from __future__ import annotations

import base64
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import jwt

from graph import territory_sales
from graph.driver import Cypher, Graph
from graph.purchase_writes import ADD_POPULARITY, upsert_customers
from graph.release import CustomerRecord, Offer, PartyRef, Release, Rights, TrackRecord
from graph.upsert import upsert_releases

PURCHASED_UNITS = Cypher(
    "test_purchased_units",
    """
    UNWIND $keys AS k
    MATCH (:Customer {key: k})-[:MADE]->(:Purchase)-[l:LINE]->(t:Track)
    RETURN t.key AS key, -count(l) AS units
    """,
)
TALLIED_UNITS = Cypher(
    "test_tallied_units",
    """
    UNWIND $keys AS k
    MATCH (:Customer {key: k})-[:MADE]->(p:Purchase)-[l:LINE]->(t:Track)
    RETURN p.territory AS territory, t.key AS key, -count(l) AS units
    """,
)
DELETE_TALLIES = Cypher(
    "test_delete_tallies", "MATCH (s:TerritorySales) WHERE s.track STARTS WITH $prefix DELETE s"
)
DELETE_CUSTOMERS = Cypher(
    "test_delete_customers",
    """
    UNWIND $keys AS k
    MATCH (c:Customer {key: k})
    OPTIONAL MATCH (c)-[:MADE]->(p:Purchase)
    DETACH DELETE p, c
    WITH DISTINCT k
    MATCH (i:IdempotencyKey) WHERE i.key STARTS WITH k + $sep
    DELETE i
    """,
)
DELETE_RELEASES = Cypher(
    "test_delete_releases",
    """
    UNWIND $keys AS k
    MATCH (a:Album {key: k})
    OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a)
    OPTIONAL MATCH (a)-[:BY|RELEASED_BY]->(x) WHERE x.key STARTS WITH $prefix
    DETACH DELETE t, a, x
    """,
)
CUSTOMER_STATE = Cypher(
    "test_customer_state",
    """
    UNWIND $keys AS k
    OPTIONAL MATCH (:Customer {key: k})-[:MADE]->(p:Purchase)
    OPTIONAL MATCH (p)-[l:LINE]->()
    WITH k, count(DISTINCT p) AS purchases, count(l) AS lines
    OPTIONAL MATCH (i:IdempotencyKey) WHERE i.key STARTS WITH k + $sep
    RETURN k AS key, purchases, lines, count(i) AS claims
    """,
)
POPULARITY = Cypher(
    "test_popularity",
    "UNWIND $keys AS k MATCH (t:Track {key: k}) RETURN t.key AS key, t.popularity AS popularity",
)


def gid(type_name: str, key: str) -> str:
    """A global ID."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def key_of_gid(value: str) -> str:
    """The key inside a global ID."""
    return base64.b64decode(value).decode().partition(":")[2]


def token(secret: str, sub: str, scope: str = "", ttl: int | None = 600, **claims: Any) -> str:
    """A signed HS256 token; ttl None = no `exp`, negative = already expired."""
    body: dict[str, Any] = {"sub": sub, "scope": scope, **claims}
    if ttl is not None:
        body["exp"] = int(time.time()) + ttl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(body, secret, algorithm="HS256")


async def ask(gql: Any, query: str, variables: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> Any:
    """A GraphQL answer, loosely typed for reading in tests."""
    return await gql(query, variables, headers=headers)


def codes(body: dict[str, Any]) -> list[str]:
    """The `extensions.code` of every error of an answer."""
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def bearer(value: str) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": f"Bearer {value}"}


@dataclass
class Fixtures:
    """Customers and releases a test created (all keys share a unique prefix); `cleanup` removes them."""

    graph: Graph
    prefix: str = field(default_factory=lambda: f"t6-{uuid.uuid4().hex[:10]}-")
    customers: list[str] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)

    async def customer(self, country: str = "GB") -> str:
        """A new customer's key."""
        key = f"{self.prefix}c{len(self.customers)}"
        await upsert_customers(self.graph, [CustomerRecord(key, country, "Test Buyer", "t@example.com")])
        self.customers.append(key)
        return key

    async def release(
        self,
        territories: tuple[str, ...] = ("*",),
        end: date | None = None,
        currency: str = "USD",
        rate: str = "0.55",
        tracks: int = 3,
        label: str = "label",
    ) -> Release:
        """A new release on a test label: tracks at 1.29 in MP3_320, the album at 2.99."""
        n = len(self.releases)
        artist = PartyRef(f"{self.prefix}artist", "Test Artist")
        release = Release(
            key=f"{self.prefix}album{n}",
            title=f"Test Album {n}",
            type="ALBUM",
            artists=(artist,),
            genres=("Rock",),
            rights=Rights(territories=territories, royalty_rate=Decimal(rate), end=end),
            currency=currency,
            album_offers=(Offer("MP3_320", Decimal("2.99")),),
            tracks=tuple(
                TrackRecord(
                    key=f"{self.prefix}album{n}-t{i}", title=f"Test Track {i}", duration_ms=1000,
                    disc_number=1, track_number=i + 1, artists=(artist,),
                    offers=(Offer("MP3_320", Decimal("1.29"), 1000),),
                )
                for i in range(tracks)
            ),
            label=PartyRef(f"{self.prefix}{label}", "Test Label"),
        )
        await upsert_releases(self.graph, [release])
        self.releases.append(release.key)
        return release

    async def state(self, customer: str) -> dict[str, int]:
        """Purchases, lines and idempotency claims stored for a customer."""
        rows = await self.graph.read(CUSTOMER_STATE, {"keys": [customer], "sep": "\u0000"})
        return {k: int(rows[0][k]) for k in ("purchases", "lines", "claims")}

    async def popularity(self, track_keys: list[str]) -> dict[str, int]:
        """Tracks' popularity counters."""
        rows = await self.graph.read(POPULARITY, {"keys": track_keys})
        return {r["key"]: int(r["popularity"] or 0) for r in rows}

    async def cleanup(self) -> None:
        """Delete what the test made, taking its units back out of the popularity counters and territory tallies."""
        if self.customers:
            counts = await self.graph.read(PURCHASED_UNITS, {"keys": self.customers})
            if counts:
                await self.graph.write(ADD_POPULARITY, {"counts": counts})
            tallied = await self.graph.read(TALLIED_UNITS, {"keys": self.customers})
            if tallied:
                await self.graph.write(territory_sales.ADD_UNITS, {"counts": tallied})
            await self.graph.write(DELETE_CUSTOMERS, {"keys": self.customers, "sep": "\u0000"})
        if self.releases:
            await self.graph.write(DELETE_RELEASES, {"keys": self.releases, "prefix": self.prefix})
            await self.graph.write(DELETE_TALLIES, {"prefix": self.prefix})
