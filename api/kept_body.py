"""A kept response body: the `{"data": ...}` of a plain success, and the answer sent from it, charged.

The whole-response cache and the viewer's panel keep bodies without the caller's budget and send them
with this caller's, exactly as the view would have written them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from api.planned_request import charge
from api.ratelimit import cost_report, quota_headers

if TYPE_CHECKING:
    from api.http import GraphQLApp

Encoder = Callable[[object], str | bytes]


async def charged(
    view: GraphQLApp, request: Request, body: bytes, cost: int, claimed: int | None, tell_cost: bool
) -> Response | None:
    """A kept body sent as a run's answer, its cost charged (and told in the body if `tell_cost`); None past
    the caller's budget (the view refuses it then). `claimed` is the token's own limit, if any."""
    quota = await charge(request, cost, claimed)
    if quota is not None and not quota.granted:
        return None
    if quota is not None and tell_cost:
        body = with_extensions(view.encode_json, body, {"cost": cost_report(quota)})
    response = Response(body, media_type="application/json")
    if quota is not None:
        response.headers.update(quota_headers(quota))
    return response


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
