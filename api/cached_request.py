"""A GraphQL HTTP request answered from the response cache, or by a compiled plan or the view, its answer kept.

Only anonymous GET and POST operations are candidates (a bearer token may change any answer, and buys
a budget of its own). A hit is charged its operation's cost like any request, and refused past the budget
by running the request as usual; its body is byte for byte what running it gives, so ETags do not change.
Anything the cache path cannot read as a plain operation is left to the view, whose errors stay its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message
from strawberry.http import GraphQLRequestData

from api import planned_request
from api.admission import CACHES
from api.cache_policy import freshness
from api.persisted import Refused
from api.ratelimit import cost_report, quota_headers
from api.request_body import BadRequestError, check_content_type, parse_json, read_capped, request_fields
from api.response_cache import CacheKey, Entry, ReadUnder, ResponseCache
from api.services import services_of

if TYPE_CHECKING:
    from api.http import GraphQLApp

Encoder = Callable[[object], str | bytes]


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
    if not _candidate(request):
        return await view.run(request)
    request, fields = await _fields(view, request)
    operation = _operation(request, fields) if fields is not None else None
    if operation is None:
        return await view.run(request)
    cache = services_of(request).response_cache
    read_under = cache.current() if cache is not None else None
    if cache is None or read_under is None:
        return await _run(view, request, operation)
    key: CacheKey = (operation.query, operation.name, operation.variables_json, str(request.base_url), read_under[2])
    entry = cache.get(key)
    if entry is not None and (hit := await _hit(view, request, entry)) is not None:
        return hit
    response = await _run(view, request, operation)
    _keep(view, cache, key, operation, response, read_under)
    return response


async def _run(view: GraphQLApp, request: Request, operation: Operation) -> Response:
    """The operation's answer from its compiled plan where one covers it, else from the view."""
    return await planned_request.answer(view, request, operation) or await view.run(request)


def _candidate(request: Request) -> bool:
    """An anonymous operation by GET (not a browser asking for GraphiQL) or POST."""
    if "authorization" in request.headers:
        return False
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
    quota = await planned_request.charge(request, entry.cost)
    if quota is not None and not quota.granted:
        return None
    body = entry.body
    if quota is not None and request.method != "GET":  # an anonymous GET's body never carries the budget
        body = with_extensions(view.encode_json, body, {"cost": cost_report(quota)})
    response = Response(body, media_type="application/json")
    if quota is not None:
        response.headers.update(quota_headers(quota))
    return response


def _keep(
    view: GraphQLApp, cache: ResponseCache, key: CacheKey, operation: Operation, response: Response,
    read_under: ReadUnder,
) -> None:
    """Keep a run's answer if it is a plain success of an operation the policy allows."""
    if response.status_code != 200 or response.media_type != "application/json":
        return
    body = data_only(view.encode_json, bytes(response.body))
    schema = view.schema._schema  # type: ignore[attr-defined]
    document = CACHES.documents.get((schema, operation.query))
    if body is None or document is None:
        return
    cost = CACHES.measures.measure(schema, operation.query, document, operation.name, operation.variables).cost
    cache.put(key, body, cost, freshness(schema, document, operation.variables), read_under)


def _encoded(encode: Encoder, value: object) -> bytes:
    out = encode(value)
    return out.encode() if isinstance(out, str) else out


def data_only(encode: Encoder, body: bytes) -> bytes | None:
    """`{"data": ...}` as `encode` writes it, from a response body with data, no errors and at most a cost report."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict) or parsed.get("data") is None or set(parsed) - {"data", "extensions"}:
        return None
    extensions = parsed.get("extensions")
    if extensions is None:
        return body if "extensions" not in parsed else None
    if not isinstance(extensions, dict) or set(extensions) - {"cost"}:
        return None
    # Rewritten only if `encode` wrote the body: then what it writes is what a run would send.
    return _encoded(encode, {"data": parsed["data"]}) if _encoded(encode, parsed) == body else None


def with_extensions(encode: Encoder, body: bytes, extensions: dict[str, Any]) -> bytes:
    """`{"data": ..., "extensions": ...}` as `encode` writes it, from `{"data": ...}` as it wrote it."""
    bare = _encoded(encode, {"data": None})
    start = bare.index(b"null")
    data = body[start:len(body) - (len(bare) - start - 4)]
    shell = _encoded(encode, {"data": None, "extensions": extensions})
    at = shell.index(b"null")
    return shell[:at] + data + shell[at + 4:]
