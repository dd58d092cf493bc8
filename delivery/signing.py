"""Signed download links: who may fetch which track in which format, until when.

A link's token is `<payload>.<signature>`, both URL-safe base64: the payload is the JSON list
[customer, track, format, expiry (Unix seconds)], the signature HMAC-SHA256 over the payload with
a key derived from TUNEGRAPH_MEDIA_SECRET (or TUNEGRAPH_JWT_SECRET), so neither secret signs
anything the other could be tricked into accepting.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

KEY_CONTEXT = b"tunegraph download links v1"
MAX_TOKEN = 2048
"""Longer tokens are refused unread (no key or format is near this long)."""


class BadLink(Exception):  # noqa: N818  (a refusal, named for what it says)
    """A link that was tampered with, malformed, signed with another key, or has expired."""


@dataclass(frozen=True, slots=True)
class Grant:
    """What a link allows: one customer, one track, one format, until `expires` (Unix seconds)."""

    customer: str
    track: str
    format: str
    expires: int


def signing_key(secret: str) -> bytes:
    """The HMAC key for links, derived from a configured secret."""
    return hmac.new(secret.encode(), KEY_CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, grant: Grant) -> str:
    """The token of a grant."""
    payload = _b64(json.dumps([grant.customer, grant.track, grant.format, grant.expires],
                              separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def verify(key: bytes, token: str, now: float) -> Grant:
    """The grant a token carries; BadLink when it is malformed, forged or expired."""
    if len(token) > MAX_TOKEN or token.count(".") != 1:
        raise BadLink("the link is malformed")
    payload, signature = token.split(".")
    expected = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(signature)
    except (binascii.Error, ValueError):
        raise BadLink("the link is malformed") from None
    if not hmac.compare_digest(expected, given):
        raise BadLink("the link's signature does not match (altered, or not issued here)")
    try:
        fields = json.loads(_unb64(payload))
    except (binascii.Error, ValueError):
        raise BadLink("the link is malformed") from None
    if not (isinstance(fields, list) and len(fields) == 4 and all(isinstance(f, str) for f in fields[:3])
            and type(fields[3]) is int):
        raise BadLink("the link is malformed")
    grant = Grant(*fields)
    if grant.expires <= now:
        raise BadLink("the link has expired; ask the API for a new one")
    return grant
