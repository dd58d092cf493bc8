"""HTTP caching of GraphQL GET responses: Cache-Control, strong ETags and 304 Not Modified."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.datastructures import Headers, MutableHeaders

PUBLIC = "public, max-age=60"
PRIVATE = "private, no-store"
NO_STORE = "no-store"


def etag_of(body: bytes) -> str:
    """A strong validator: the hash of the exact body."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 asks for GET)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _has_errors(body: bytes) -> bool:
    try:
        parsed = json.loads(body)
    except ValueError:
        return True
    return not isinstance(parsed, dict) or bool(parsed.get("errors"))


class HttpCaching:
    """ASGI middleware: anonymous successful GET queries are public for 60 s; authenticated ones never stored."""

    def __init__(self, app: Any, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        if "authorization" in request_headers:
            await self.app(scope, receive, _with_cache_control(send, PRIVATE))
        elif scope["method"] == "GET":
            await self._cacheable(scope, receive, send, request_headers.get("if-none-match"))
        else:
            await self.app(scope, receive, send)

    async def _cacheable(self, scope: Any, receive: Any, send: Any, if_none_match: str | None) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def buffer(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await _answer(send, start, b"".join(chunks), if_none_match)
            else:
                await send(message)

        await self.app(scope, receive, buffer)


def _with_cache_control(send: Any, value: str) -> Any:
    async def wrapped(message: Any) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message)["cache-control"] = value
        await send(message)

    return wrapped


async def _answer(send: Any, start: dict[str, Any], body: bytes, if_none_match: str | None) -> None:
    headers = MutableHeaders(scope=start)
    is_json = headers.get("content-type", "").startswith("application/json")
    if start["status"] != 200 or not is_json or _has_errors(body):
        if is_json or start["status"] != 200:
            headers["cache-control"] = NO_STORE
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return
    etag = etag_of(body)
    headers["cache-control"] = PUBLIC
    headers["etag"] = etag
    headers["vary"] = "Authorization"
    if matches(if_none_match, etag):
        del headers["content-length"]
        del headers["content-type"]
        start["status"] = 304
        body = b""
    await send(start)
    await send({"type": "http.response.body", "body": body})
