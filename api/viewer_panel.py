"""A signed-in customer's panel request answered with the response it had before, while its inputs hold.

A storefront sends the same `viewer { recommendations }` document on every page a customer opens. Its
answer follows their owned tracks, the model, the catalog version, the day and their country, and
nothing else of theirs: the document may read nothing more (api/cache_policy.py VIEWER_PANEL_FIELDS).
After the checks the view makes (admitted document, limits, token, budget), the panel's first read runs
as always, which is what shows a purchase at once. Under the same purchases, versions, day and request
the response held in this process is sent: one Cypher query and no executor. Otherwise the view answers
with that read in hand (no second one), and a plain success is held, at most as long as a chart is.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from graphql import DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode
from starlette.requests import Request
from starlette.responses import Response

from api.admission import CACHES
from api.auth import Viewer, caller_from_headers
from api.bytecache import ByteLRU
from api.cache_policy import VIEWER_PANEL_FIELDS, Freshness, freshness
from api.kept_body import charged, data_only
from api.limits import judge
from api.loaders import Loaders
from api.panel_cache import BodyKey, PanelCache
from api.planned_request import charge
from api.response_cache import Entry, utc_today
from api.services import Services, services_of
from graph.panels import Taste

if TYPE_CHECKING:
    from api.cached_request import Operation
    from api.http import GraphQLApp

clock = time.monotonic
"""What held responses expire by."""
PANEL_DOCUMENTS: ByteLRU[tuple[GraphQLSchema, str], bool] = ByteLRU(1024 * 1024, 64 * 1024, 4096)
"""Whether a document (by schema and text) is a viewer's panel and nothing more."""


async def answer(view: GraphQLApp, request: Request, operation: Operation) -> Response:
    """The held response to a viewer's panel request, else the view's (held for next time if it may be)."""
    services = services_of(request)
    cache, current = services.panel_cache, services.models.current
    checked = _checked(view, request, operation, services)
    if cache is None or current is None or checked is None:
        return await view.run(request)
    viewer, customer, cost = checked
    if not await _affordable(request, viewer, cost):
        return await view.run(request)
    loaders = Loaders(services.graph, services.album_cache, cache, services.taste_reads)
    taste = await loaders.customer_taste.load(customer)
    if taste is None:
        return await view.run(request)
    key = _key(request, operation, customer, taste, current.version)
    held = cache.body(key, clock())
    if held is not None and (hit := await charged(view, request, held.body, held.cost, viewer.rate_limit, True)):
        return hit
    request.state.loaders = loaders  # the view's context takes them: the panel's first read is done
    response = await view.run(request)
    after = services.models.current
    if after is not None and after.version == current.version and key[8] == utc_today():
        _keep(view, cache, key, cost, response, services.settings.chart_seconds)
    return response


def _checked(
    view: GraphQLApp, request: Request, operation: Operation, services: Services
) -> tuple[Viewer, str, int] | None:
    """(viewer, customer key, cost) of an admitted panel document within the limits and a good customer token."""
    schema: GraphQLSchema = view.schema._schema  # type: ignore[attr-defined]
    document = CACHES.documents.get((schema, operation.query))
    if document is None or not is_panel_document(schema, operation.query, document):
        return None
    viewer, rejected = caller_from_headers(request.headers, services.settings.jwt_secret)
    if viewer is None or rejected is not None or viewer.customer_key is None:
        return None
    found = CACHES.measures.measure(schema, operation.query, document, operation.name, operation.variables)
    return None if judge(found) is not None else (viewer, viewer.customer_key, found.cost)


def is_panel_document(schema: GraphQLSchema, query: str, document: DocumentNode) -> bool:
    """Whether a (validated) document reads the viewer's panel and public fields only, and the viewer."""
    found = PANEL_DOCUMENTS.get((schema, query))
    if found is None:
        found = _selects_viewer(document) and freshness(schema, document, None, VIEWER_PANEL_FIELDS) > Freshness.NEVER
        PANEL_DOCUMENTS.put((schema, query), found, 2 * len(query) + 200)
    return found


def _selects_viewer(document: DocumentNode) -> bool:
    return any(
        isinstance(selection, FieldNode) and selection.name.value == "viewer"
        for definition in document.definitions if isinstance(definition, OperationDefinitionNode)
        for selection in definition.selection_set.selections
    )


async def _affordable(request: Request, viewer: Viewer, cost: int) -> bool:
    """Whether the caller's budget holds `cost` now (nothing is taken): no Cypher for a refused request."""
    quota = await charge(request, 0, viewer.rate_limit)
    return quota is None or quota.tokens >= cost


def _key(request: Request, operation: Operation, customer: str, taste: Taste, model: int) -> BodyKey:
    country = taste.customer.get("country") if taste.customer else None
    return (operation.query, operation.name, operation.variables_json, str(request.base_url), customer,
            taste.purchases, model, taste.catalog, utc_today(), country)


def _keep(view: GraphQLApp, cache: PanelCache, key: BodyKey, cost: int, response: Response, seconds: int) -> None:
    """Hold a plain success of the view's, for at most `seconds`."""
    if response.status_code != 200 or response.media_type != "application/json" or seconds <= 0:
        return
    body = data_only(view.encode_json, bytes(response.body))
    if body is not None:
        cache.keep_body(key, Entry(body, cost, clock() + seconds))  # it may show bestsellers: kept like a chart
