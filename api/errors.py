"""Error codes of the contract, and the extension that gives every error one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graph.driver import UNAVAILABLE_ERRORS

log = logging.getLogger("tunegraph.api")
MAX_MESSAGE = 300
"""Longest message about a client's value: long enough to name it, short of echoing a huge one."""
RETRY_AFTER_SECONDS = 5
"""What a request that failed whole as UNAVAILABLE (Neo4j away, no model yet) is told to wait: HTTP 503, Retry-After."""


class Code(StrEnum):
    """`extensions.code` values the contract names."""

    BAD_REQUEST = "BAD_REQUEST"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"


class ApiError(Exception):
    """An expected failure a client can act on; its message is shown as is."""

    def __init__(self, code: Code, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extensions = extensions


def bad_argument(argument: str, problem: str) -> ApiError:
    """BAD_REQUEST naming the argument at fault."""
    return ApiError(Code.BAD_REQUEST, f"{argument}: {problem}", argument=argument)


def _input_problem(message: str) -> str:
    """graphql-core's account of a value it could not coerce, short, without Python's advice to the server."""
    message = message.replace("; use sys.set_int_max_str_digits() to increase the limit", "")
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "\u2026"


def _with_code(error: GraphQLError, code: Code, message: str | None = None, **extra: Any) -> GraphQLError:
    return GraphQLError(
        message=message if message is not None else error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), **extra, "code": code.value},
    )


def classify(error: GraphQLError, request_id: str) -> GraphQLError:
    """The error as a client sees it: a contract code, and no internals."""
    original = error.original_error
    if isinstance(original, ApiError):
        return _with_code(error, original.code, original.message, **original.extensions)
    if original is None or isinstance(original, GraphQLError):  # graphql-core's own: the client's input
        code = str((error.extensions or {}).get("code"))
        known = Code(code) if code in Code.__members__ else Code.BAD_REQUEST
        return _with_code(error, known, _input_problem(error.message))
    if isinstance(original, UNAVAILABLE_ERRORS):
        log.warning("request %s: Neo4j unavailable: %s", request_id, original)
        return _with_code(error, Code.UNAVAILABLE, "The catalog database is unavailable; retry shortly.")
    if error.path is None:  # raised parsing, validating or coercing the request: a value the client sent
        return _with_code(error, Code.BAD_REQUEST, _input_problem(error.message))
    log.error("request %s: unexpected error", request_id, exc_info=original)
    return _with_code(
        error, Code.INTERNAL, f"Internal error (request id {request_id}).", requestId=request_id
    )


class ErrorPolicy(SchemaExtension):
    """Give every error a contract code; mask the unexpected ones and log them with a request id."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "-")
        result.errors = [classify(e, request_id) for e in result.errors]
        if failed_whole(result.data, result.errors):
            response = getattr(context, "response", None)
            if response is not None:
                response.status_code = 503
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)


def failed_whole(data: dict[str, Any] | None, errors: list[GraphQLError]) -> bool:
    """Every error is UNAVAILABLE and no root field has a value: the request failed as a whole."""
    unavailable = all((e.extensions or {}).get("code") == Code.UNAVAILABLE.value for e in errors)
    return unavailable and (data is None or all(v is None for v in data.values()))
