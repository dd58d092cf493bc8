"""The body of a GraphQL HTTP request: read within a size cap, parsed as strict JSON, its shape checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from strawberry.http.parse_content_type import parse_content_type

MAX_NESTING = 32
"""Deepest nesting of arrays and objects a request may send; the schema's inputs need fewer than 8."""
JSON_TYPES = ("application/json", "application/graphql+json")
FIELD_TYPES: dict[str, tuple[type, str]] = {
    "query": (str, "a string"),
    "operationName": (str, "a string"),
    "variables": (dict, "an object"),
    "extensions": (dict, "an object"),
}


class BadRequestError(Exception):
    """A request the client must fix: its HTTP status and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def too_large(limit: int) -> BadRequestError:
    """HTTP 413 naming the limit."""
    return BadRequestError(413, f"The request body is larger than the limit of {limit} bytes.")


def check_content_type(header: str | None) -> None:
    """A POST body must be JSON (UTF-8, the only charset JSON has)."""
    mime, params = parse_content_type(header or "")
    if mime.lower() not in JSON_TYPES:
        raise BadRequestError(415, f"Unsupported Content-Type {(header or '(none)')[:100]!r}: send application/json.")
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise BadRequestError(415, f"Unsupported charset {charset[:40]!r}: JSON is sent as UTF-8.")


async def read_capped(headers: Mapping[str, str], chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to exceed `limit` (Content-Length first)."""
    declared = headers.get("content-length")
    if declared is not None:
        if not declared.isdigit() or len(declared) > 19:
            raise BadRequestError(400, f"Content-Length {declared[:40]!r} is not a byte count.")
        if int(declared) > limit:
            raise too_large(limit)
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def parse_json(raw: bytes | str, what: str) -> Any:
    """The JSON value of `raw`; 400 naming `what` and the position when it is not strict UTF-8 JSON."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        raise BadRequestError(400, f"{what} is not valid UTF-8 (byte {bad.start}); send JSON as UTF-8.") from None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as bad:
        raise BadRequestError(400, f"Unable to parse {what} as JSON: {bad}.") from None
    depth = nesting(value)
    if depth > MAX_NESTING:
        raise BadRequestError(400, f"{what} nests arrays and objects {depth} deep; at most {MAX_NESTING} allowed.")
    return value


def nesting(value: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return deepest


def request_fields(data: Any) -> dict[str, Any]:
    """`query`, `variables`, `operationName` and `extensions` of a request, each of the type GraphQL over HTTP asks."""
    if not isinstance(data, dict):
        kind = "an array (batching is not supported)" if isinstance(data, list) else f"a JSON {_kind(data)}"
        raise BadRequestError(400, f"The request must be a JSON object with a `query`, got {kind}.")
    for name, (expected, described) in FIELD_TYPES.items():
        value = data.get(name)
        if value is not None and not isinstance(value, expected):
            raise BadRequestError(400, f"`{name}` must be {described} or null, got a JSON {_kind(value)}.")
    return data


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
