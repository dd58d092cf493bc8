"""A GraphQL HTTP request answered from the response cache, or by a compiled plan or the view, its answer kept.

Only anonymous GET and POST operations are candidates (a bearer token may change any answer, and buys
a budget of its own); a signed-in one may be a viewer's panel, held apart (api/viewer_panel.py). A hit
is charged its operation's cost like any request, and refused past the budget by running the request as
usual; its body is byte for byte what running it gives, so ETags do not change. Anything the cache path
cannot read as a plain operation is left to the view, whose errors stay its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message
from strawberry.http import GraphQLRequestData

from api import planned_request, viewer_panel
from api.admission import CACHES
from api.cache_policy import Freshness, freshness
from api.kept_body import charged, data_only
from api.persisted import Refused
from api.request_body import BadRequestError, check_content_type, parse_json, read_capped, request_fields
from api.response_cache import CacheKey, Entry, ReadUnder, ResponseCache
from api.services import services_of

if TYPE_CHECKING:
    from api.http import GraphQLApp

@dataclass(frozen=True, slots=True)
class Operation:
    """What a candidate request runs: the query text (persisted ones looked up), its name and variables."""

    query: str
    name: str | None
    variables: dict[str, Any] | None
    variables_json: bytes


async def answer(view: GraphQLApp, request: Request) -> Response:
    """The response to a GraphQL HTTP request: a kept answer if there is one, else a plan's or the view's (kept
    if it may be)."""
    signed = "authorization" in request.headers
    if not _candidate(request) or (signed and services_of(request).panel_cache is None):
        return await view.run(request)
    request, fields = await _fields(view, request)
    operation = _operation(request, fields) if fields is not None else None
    if operation is None:
        return await view.run(request)
    if signed:
        return await viewer_panel.answer(view, request, operation)
    cache = services_of(request).response_cache
    read_under = cache.current() if cache is not None else None
    if cache is None or read_under is None:
        return await _run(view, request, operation)
    key: CacheKey = (operation.query, operation.name, operation.variables_json, str(request.base_url), read_under[2])
    entry = cache.get(key)
    if entry is not None and (hit := await _hit(view, request, entry)) is not None:
        return hit
    policy = _freshness(view, operation)
    if policy is not None and not cache.keeps(policy):
        return await _run(view, request, operation)
    if (running := _IN_FLIGHT.get(key)) is not None:
        # The same miss is being answered: wait for it rather than run it again (an expired chart or
        # panel asked by every client at once would otherwise run once per client).
        kept = await asyncio.shield(running)
        if kept and (entry := cache.get(key)) is not None and (hit := await _hit(view, request, entry)) is not None:
            return hit
        return await _run(view, request, operation)
    return await _lead(view, request, operation, cache, key, (read_under, policy))


_IN_FLIGHT: dict[CacheKey, asyncio.Future[bool]] = {}
"""Misses being answered in this process, by key: whether their answer was kept, once it is known."""


async def _lead(
    view: GraphQLApp, request: Request, operation: Operation, cache: ResponseCache, key: CacheKey,
    under: tuple[ReadUnder, Freshness | None],
) -> Response:
    """Run a miss, keep its answer if it may be, and tell whoever waits on the same key."""
    running: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    _IN_FLIGHT[key] = running
    kept = False
    try:
        response = await _run(view, request, operation)
        kept = _keep(view, cache, key, operation, response, under)
        return response
    finally:
        del _IN_FLIGHT[key]
        running.set_result(kept)


async def _run(view: GraphQLApp, request: Request, operation: Operation) -> Response:
    """The operation's answer from its compiled plan where one covers it, else from the view."""
    return await planned_request.answer(view, request, operation) or await view.run(request)


def _candidate(request: Request) -> bool:
    """An operation by GET (not a browser asking for GraphiQL) or POST."""
    if request.method == "POST":
        return True
    params = request.query_params
    return (request.method == "GET" and "text/html" not in request.headers.get("accept", "")
            and ("query" in params or "extensions" in params))


async def _fields(view: GraphQLApp, request: Request) -> tuple[Request, dict[str, Any] | None]:
    """The request's fields (None where the view must answer), and the request to run (its body replayed)."""
    try:
        if request.method == "GET":
            return request, request_fields(view.parse_query_params(request.query_params))
        check_content_type(request.headers.get("content-type"))
    except BadRequestError:
        return request, None
    body = await read_capped(request.headers, request.stream(), services_of(request).settings.max_body_bytes)
    replayed = _replaying(request, body)
    try:
        return replayed, request_fields(parse_json(body, "the request body"))
    except BadRequestError:
        return replayed, None


def _replaying(request: Request, body: bytes) -> Request:
    """The request again, its body (already read) received once more, then whatever the client sends next."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await request.receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def _operation(request: Request, fields: Mapping[str, Any]) -> Operation | None:
    """The operation a request runs as the view would resolve it; None for a registration or a refusal."""
    store = services_of(request).persisted_queries
    data = GraphQLRequestData(fields.get("query"), fields.get("variables"), fields.get("operationName"),
                              fields.get("extensions"))
    try:
        query, register = store.resolve(data)
        variables_json = orjson.dumps(data.variables or {}, option=orjson.OPT_SORT_KEYS)
    except (Refused, orjson.JSONEncodeError):
        return None
    if query is None or register is not None:
        return None
    return Operation(query, data.operation_name, data.variables, variables_json)


async def _hit(view: GraphQLApp, request: Request, entry: Entry) -> Response | None:
    """The kept answer, charged like a run of it; None past the caller's budget (the view refuses it then)."""
    # An anonymous GET's body never carries the budget (api/caching.py serves it public).
    return await charged(view, request, entry.body, entry.cost, None, request.method != "GET")


def _freshness(view: GraphQLApp, operation: Operation) -> Freshness | None:
    """How long the policy lets this operation's answer be kept; None for a document not yet admitted."""
    schema = view.schema._schema  # type: ignore[attr-defined]
    document = CACHES.documents.get((schema, operation.query))
    return None if document is None else freshness(schema, document, operation.variables)


def _keep(
    view: GraphQLApp, cache: ResponseCache, key: CacheKey, operation: Operation, response: Response,
    under: tuple[ReadUnder, Freshness | None],
) -> bool:
    """Keep a run's answer if it is a plain success of an operation the policy allows; whether it was kept.

    `under`: the versions it was read under, and its freshness if known before the run.
    """
    if response.status_code != 200 or response.media_type != "application/json":
        return False
    body = data_only(view.encode_json, bytes(response.body))
    schema = view.schema._schema  # type: ignore[attr-defined]
    document = CACHES.documents.get((schema, operation.query))
    if body is None or document is None:
        return False
    read_under, policy = under
    cost = CACHES.measures.measure(schema, operation.query, document, operation.name, operation.variables).cost
    policy = policy if policy is not None else freshness(schema, document, operation.variables)
    return cache.put(key, body, cost, policy, read_under)
