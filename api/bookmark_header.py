"""The `Tunegraph-Bookmark` header: a client's proof of what it wrote, for causal reads on any process.

A response to a request that wrote (a purchase) carries the header; a client that sends it back
on its next requests reads its own writes whichever API process answers, however far a Neo4j
secondary lags. The value is opaque and signed with the JWT secret, so a client can only return
bookmarks this API issued (a forged one could make reads wait for a transaction that never
comes).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from starlette.datastructures import Headers

from api.request_body import BadRequestError
from graph.bookmarks import MAX_BOOKMARKS

HEADER = "Tunegraph-Bookmark"
MAX_LENGTH = 4096


def issue(values: list[str], secret: str) -> str:
    """The header value for these bookmarks."""
    payload = _b64(json.dumps(values, separators=(",", ":")).encode())
    return f"{payload}.{_b64(_mac(payload, secret))}"


def accept(headers: Headers, secret: str) -> list[str]:
    """The bookmarks a request carries (none without the header); 400 naming the header if it is not ours."""
    raw = headers.get(HEADER)
    if raw is None or not raw.strip():
        return []
    if len(raw) > MAX_LENGTH:
        raise _refused(f"longer than {MAX_LENGTH} characters")
    payload, _, signature = raw.strip().partition(".")
    try:
        genuine = hmac.compare_digest(_unb64(signature), _mac(payload, secret))
        values = json.loads(_unb64(payload)) if genuine else None
    except (binascii.Error, ValueError):
        raise _refused("not a value this API issued") from None
    if not isinstance(values, list) or len(values) > MAX_BOOKMARKS or not all(isinstance(v, str) for v in values):
        raise _refused("not a value this API issued")
    return values


def _refused(why: str) -> BadRequestError:
    return BadRequestError(400, f"The {HEADER} header is {why}; send back the value of a response's {HEADER} header.")


def _mac(payload: str, secret: str) -> bytes:
    return hmac.new(f"bookmark:{secret}".encode(), payload.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
