"""The strawberry Schema: root types merged from each family, and the request extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from api.admission import QueryLimits
from api.auth import TokenGate
from api.compiled.plans import CompiledPlans
from api.errors import ErrorPolicy
from api.ratelimit import RateLimit
from api.scalars import SCALARS
from api.types.album import Album
from api.types.album_group import Genre, Label
from api.types.artist import Artist
from api.types.catalog import CatalogQuery
from api.types.change import ChangeQuery
from api.types.customer import Customer
from api.types.discovery import DiscoveryQuery
from api.types.download import DownloadMutation
from api.types.industry_codes import IndustryCodeQuery
from api.types.lookup import LookupQuery
from api.types.purchase import Purchase
from api.types.recommendation import RecommendQuery
from api.types.store import StoreMutation, StoreQuery
from api.types.track import Track
from api.types.webhook import WebhookMutation, WebhookQuery

QUERY_TYPES: tuple[type, ...] = (
    CatalogQuery, LookupQuery, StoreQuery, DiscoveryQuery, RecommendQuery, IndustryCodeQuery, ChangeQuery, WebhookQuery
)
MUTATION_TYPES: tuple[type, ...] = (StoreMutation, DownloadMutation, WebhookMutation)
EXTRA_TYPES: tuple[type, ...] = (Artist, Album, Track, Genre, Label, Customer, Purchase)


class Schema(strawberry.Schema):
    """Errors are logged once, by ErrorPolicy, and only the unexpected ones."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None


QUERY_DESCRIPTION = (
    "Every read. The catalog, search, charts and `recommend` need no token; `viewer` needs a customer "
    "token, `royaltyStatement` the royalties:read scope. Errors carry `extensions.code`."
)
MUTATION_DESCRIPTION = (
    "Every write: buying, with a customer token that has the purchases:write scope; and download links for what "
    "was bought, with any customer token."
)


def root(name: str, types: tuple[type, ...], description: str) -> type:
    """A root type merged from the families' types, with its description."""
    merged = merge_types(name, types)
    merged.__strawberry_definition__.description = description  # type: ignore[attr-defined]
    return merged


def build_schema() -> strawberry.Schema:
    """The public schema with caching, limits and error policy."""
    return Schema(
        query=root("Query", QUERY_TYPES, QUERY_DESCRIPTION),
        mutation=root("Mutation", MUTATION_TYPES, MUTATION_DESCRIPTION),
        types=list(EXTRA_TYPES),
        config=StrawberryConfig(scalar_map=SCALARS),
        # RateLimit charges what QueryLimits measured; CompiledPlans answers after every check (or the executor does)
        extensions=[ErrorPolicy, TokenGate, QueryLimits, RateLimit, CompiledPlans],
    )
