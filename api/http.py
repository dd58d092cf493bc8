"""The GraphQL ASGI endpoint: per-request context, metrics and HTTP semantics."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from api import bookmark_header, cached_request
from api.auth import caller_from_headers
from api.compiled.body import encode_json
from api.context import Context
from api.errors import Code
from api.loaders import Loaders
from api.persisted import PersistedGraphQL
from api.request_body import BadRequestError, check_content_type, parse_json, read_capped, request_fields
from api.services import services_of
from graph.bookmarks import causal

log = logging.getLogger("tunegraph.api")


def error_response(status: int, message: str, code: Code = Code.BAD_REQUEST, **extensions: Any) -> Response:
    """A GraphQL-style JSON error answered before (or instead of) execution."""
    headers = {"Connection": "close"} if status == 413 else None  # the rest of the body is never read
    body = {"errors": [{"message": message, "extensions": {**extensions, "code": code.value}}]}
    return JSONResponse(body, status_code=status, headers=headers)


class CappedRequest(StarletteRequestAdapter):
    """Starlette's request adapter, reading the body no further than TUNEGRAPH_MAX_BODY_BYTES."""

    async def get_body(self) -> bytes:
        request = self._request
        return await read_capped(request.headers, request.stream(), services_of(request).settings.max_body_bytes)


class GraphQLApp(PersistedGraphQL):
    """Strawberry's ASGI app with tunegraph's context, persisted queries, strict request parsing and JSON errors."""

    request_adapter_class = CappedRequest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self._run_causal(Request(scope, receive))
        except BadRequestError as bad:
            response = error_response(bad.status, bad.message)
        except HTTPException as refused:
            response = error_response(refused.status_code, refused.reason)
        except Exception:  # answered as JSON, and the connection stays usable
            request_id = uuid.uuid4().hex[:16]
            log.exception("request %s: unexpected error outside the operation", request_id)
            response = error_response(
                500, f"Internal error (request id {request_id}).", Code.INTERNAL, requestId=request_id
            )
        await response(scope, receive, send)

    async def _run_causal(self, request: Request) -> Response:
        """Run the request after the bookmarks it carries; if it wrote, answer with the new ones."""
        secret = services_of(request).settings.jwt_secret
        with causal(bookmark_header.accept(request.headers, secret)) as seen:
            response = await cached_request.answer(self, request)
        if seen.wrote:
            response.headers[bookmark_header.HEADER] = bookmark_header.issue(seen.values, secret)
        return response

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None) -> Context:
        services = services_of(request)
        viewer, token_error = caller_from_headers(request.headers, services.settings.jwt_secret)
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            graph=services.graph,
            # A viewer's panel request may come with its first read done (api/viewer_panel.py).
            loaders=getattr(request.state, "loaders", None) or Loaders(
                services.graph, services.album_cache, services.panel_cache, services.taste_reads
            ),
            services=services,
            viewer=viewer,
            token_error=token_error,
        )

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        """One operation from the query string (GET) or a JSON body (POST); 4xx naming what is wrong."""
        if request.method == "GET":
            data: Any = self.parse_query_params(request.query_params)
        else:
            check_content_type(request.content_type)
            data = parse_json(await request.get_body(), "the request body")
        fields = request_fields(data)
        return GraphQLRequestData(
            query=fields.get("query"),
            variables=fields.get("variables"),
            operation_name=fields.get("operationName"),
            extensions=fields.get("extensions"),
        )

    def encode_json(self, data: object) -> bytes:
        """The response body, by orjson (several times faster than json.dumps on a page of a hundred fields)."""
        return encode_json(data)

    def parse_query_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        fields = dict(params)
        for name in ("variables", "extensions"):
            if fields.get(name):
                fields[name] = parse_json(fields[name], f"the `{name}` parameter")
        return fields

    async def process_result(self, request: Request | WebSocket, result: ExecutionResult) -> GraphQLHTTPResponse:
        data: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            data["errors"] = [e.formatted for e in result.errors]
        if result.extensions:
            data["extensions"] = result.extensions
        return data
