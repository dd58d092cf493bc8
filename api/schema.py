"""The strawberry Schema: root types merged from each family, and the request extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types

from api.admission import QueryLimits
from api.auth import TokenGate
from api.errors import ErrorPolicy
from api.types.album import Album
from api.types.artist import Artist
from api.types.catalog import CatalogQuery
from api.types.change import ChangeQuery
from api.types.customer import Customer
from api.types.discovery import DiscoveryQuery
from api.types.genre import Genre
from api.types.label import Label
from api.types.purchase import Purchase
from api.types.recommendation import RecommendQuery
from api.types.store import StoreMutation, StoreQuery
from api.types.track import Track
from api.types.webhook import WebhookMutation, WebhookQuery

QUERY_TYPES: tuple[type, ...] = (CatalogQuery, StoreQuery, DiscoveryQuery, RecommendQuery, ChangeQuery, WebhookQuery)
MUTATION_TYPES: tuple[type, ...] = (StoreMutation, WebhookMutation)
EXTRA_TYPES: tuple[type, ...] = (Artist, Album, Track, Genre, Label, Customer, Purchase)


class Schema(strawberry.Schema):
    """Errors are logged once, by ErrorPolicy, and only the unexpected ones."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None


def build_schema() -> strawberry.Schema:
    """The public schema with caching, limits and error policy."""
    query = merge_types("Query", QUERY_TYPES)
    return Schema(
        query=query,
        mutation=merge_types("Mutation", MUTATION_TYPES),
        types=list(EXTRA_TYPES),
        extensions=[ErrorPolicy, TokenGate, QueryLimits],
    )
