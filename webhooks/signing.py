"""Delivery signatures, Stripe-style: `Tunegraph-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The HMAC is over `f"{t}.{body}"` with the endpoint's secret. A receiver recomputes it, compares in
constant time and refuses a `t` more than a few minutes off its clock (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Tunegraph-Signature"
TOLERANCE_SECONDS = 300
"""How far a receiver should accept `t` from its own clock."""


def new_secret() -> str:
    """A fresh endpoint secret (shown once, at registration)."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value signing `body` at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True when the header signs `body` with `secret` and its timestamp is within `tolerance` of `now`."""
    parts = dict(item.partition("=")[::2] for item in header.split(","))
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    expected = signature(secret, timestamp, body).partition(",v1=")[2]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))
