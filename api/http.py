"""The GraphQL ASGI endpoint: per-request context, metrics and HTTP semantics."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from api.auth import caller_from_headers
from api.context import Context
from api.loaders import Loaders
from api.persisted import PersistedGraphQL


class GraphQLApp(PersistedGraphQL):
    """Strawberry's ASGI app with tunegraph's context and persisted queries."""

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None) -> Context:
        state = request.app.state
        viewer, token_error = caller_from_headers(request.headers, state.settings.jwt_secret)
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            graph=state.graph,
            loaders=Loaders(state.graph, state.album_cache),
            services=state,
            viewer=viewer,
            token_error=token_error,
        )

    async def process_result(self, request: Request | WebSocket, result: ExecutionResult) -> GraphQLHTTPResponse:
        data: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            data["errors"] = [e.formatted for e in result.errors]
        if result.extensions:
            data["extensions"] = result.extensions
        return data
