"""Which operations the whole-response cache may keep, and for how long: an allow-list of public fields.

A field not listed here is never answered from the cache: the viewer and everything customer-scoped
(ownership, library, purchases, the viewer's recommendations), partner reads (royalties, webhooks, the
change feed), mutations and introspection. A field added to the schema later stays uncached until it is
listed, with the reason it may be. What the model answers for anyone (recommend, alsoBought, related) is
kept like a chart, and only under the model version it was read with (the cache follows that version).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from graphql import (
    BREAK,
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)
from graphql.utilities import value_from_ast_untyped


class Freshness(enum.IntEnum):
    """How long an answer may be kept: ordered, so an operation takes the least of its fields'."""

    NEVER = 0
    SALES = 1
    """Ranked by units sold (popularity): kept as long as a chart is (TUNEGRAPH_CHART_SECONDS)."""
    CATALOG = 2
    """Changes only with the catalog (and the day, for rights and release dates): kept until the version moves."""


_CONNECTION = frozenset({"edges", "pageInfo", "totalCount"})
_EDGE = frozenset({"cursor", "node"})
CATALOG_FIELDS: Mapping[str, frozenset[str]] = {
    "Query": frozenset({
        "node", "nodes", "artists", "albums", "tracks", "genres", "album", "artist", "track", "genre", "label",
        "newReleases", "albumsByUpc", "tracksByIsrc",
    }),
    "Node": frozenset({"id"}),
    "Album": frozenset({
        "id", "title", "upc", "releaseDate", "trackCount", "durationMs", "releaseType", "explicit", "copyright",
        "phonographicCopyright", "artist", "artwork", "updatedAt", "artists", "label", "genres", "tracks", "offers",
        "territories", "worldwide", "availableIn",
    }),
    "Artist": frozenset({"id", "name", "albums"}),
    "Track": frozenset({
        "id", "title", "isrc", "durationMs", "discNumber", "trackNumber", "composer", "explicit", "album",
        "updatedAt", "artists", "genre", "offers", "availableIn", "previewUrl",
    }),
    "Genre": frozenset({"id", "name", "albums"}),
    "Label": frozenset({"id", "name", "albums"}),
    "Offer": frozenset({"format", "price", "sizeBytes"}),
    "Money": frozenset({"amount", "currency"}),
    "Image": frozenset({"url", "width", "height"}),
    "PageInfo": frozenset({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}),
    **{f"{t}Connection": _CONNECTION for t in ("Album", "Artist", "Track", "Search")},
    **{f"{t}Edge": _EDGE for t in ("Album", "Artist", "Track")},
    "SearchEdge": frozenset({"cursor", "node", "score"}),
}
"""Public catalog fields: what they answer is the same for every caller on a given day and catalog version."""

SALES_FIELDS: Mapping[str, frozenset[str]] = {
    "Query": frozenset({"search", "bestsellers"}),  # short queries rank (and score) by units sold
    "ChartEntry": frozenset({"rank", "units", "track"}),
    "Album": frozenset({"popularity"}),
    "Track": frozenset({"popularity"}),
    "Artist": frozenset({"topTracks"}),
}
"""Public fields that follow sales: every purchase may move them, without moving the catalog version."""

MODEL_FIELDS: Mapping[str, frozenset[str]] = {
    "Query": frozenset({"recommend"}),
    "Track": frozenset({"alsoBought"}),
    "Album": frozenset({"alsoBought"}),
    "Artist": frozenset({"related"}),
    "Recommendation": frozenset({"track", "score", "because"}),
}
"""Public answers of the recommender: the same for every anonymous caller under one model version (and, as
they fall back on bestsellers and catalog neighbours, kept like sales)."""

VIEWER_PANEL_FIELDS: Mapping[str, frozenset[str]] = {
    "Query": frozenset({"viewer"}),
    "Customer": frozenset({"id", "recommendations"}),
}
"""A signed-in customer's panel: the same for every request of theirs while what they own, the model, the
catalog and the day are unchanged (api/viewer_panel.py keys it by all of them; never the response cache)."""

ORDERED_FIELDS = frozenset({("Query", "artists"), ("Query", "albums"), ("Query", "tracks"), ("Artist", "albums")})
"""Catalog lists whose `orderBy: {field: POPULARITY}` ranks by units sold."""


def freshness(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None = None,
    also: Mapping[str, frozenset[str]] | None = None,
) -> Freshness:
    """The least freshness of every field in a (validated) document: NEVER for any field not allowed.

    `also` allows more fields, kept like sales (the viewer's panel, for its own cache).
    """
    judge = _Judge(document, variables or {}, also or {})
    types = TypeInfo(schema)
    visit(document, TypeInfoVisitor(types, _Walk(judge, types)))
    return judge.verdict


class _Judge:
    def __init__(
        self, document: DocumentNode, variables: Mapping[str, Any], also: Mapping[str, frozenset[str]]
    ) -> None:
        self.verdict = Freshness.CATALOG
        self.also = also
        self.values = {
            v.variable.name.value: value_from_ast_untyped(v.default_value)
            for d in document.definitions if isinstance(d, OperationDefinitionNode)
            for v in d.variable_definitions or () if v.default_value is not None
        }
        self.values.update(variables)

    def field(self, parent: str, node: FieldNode) -> Freshness:
        name = node.name.value
        if name == "__typename":
            return Freshness.CATALOG
        if name in CATALOG_FIELDS.get(parent, ()):
            return Freshness.SALES if self._by_popularity(parent, node) else Freshness.CATALOG
        if any(name in fields.get(parent, ()) for fields in (SALES_FIELDS, MODEL_FIELDS, self.also)):
            return Freshness.SALES
        return Freshness.NEVER

    def _by_popularity(self, parent: str, node: FieldNode) -> bool:
        if (parent, node.name.value) not in ORDERED_FIELDS:
            return False
        order = next((a.value for a in node.arguments or () if a.name.value == "orderBy"), None)
        value = None if order is None else value_from_ast_untyped(order, self.values)
        return isinstance(value, dict) and value.get("field") == "POPULARITY"


class _Walk(Visitor):
    def __init__(self, judge: _Judge, types: TypeInfo) -> None:
        super().__init__()
        self.judge = judge
        self.types = types

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
        if node.operation is not OperationType.QUERY:
            self.judge.verdict = Freshness.NEVER
            return BREAK
        return None

    def enter_field(self, node: FieldNode, *args: Any) -> Any:
        parent = self.types.get_parent_type()
        found = Freshness.NEVER if parent is None else self.judge.field(parent.name, node)
        self.judge.verdict = min(self.judge.verdict, found)
        return BREAK if found is Freshness.NEVER else None
