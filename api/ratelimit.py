"""Rate limits: a budget of query cost per caller per minute, kept as an in-process token bucket."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

from api.errors import Code

WINDOW_SECONDS = 60.0
MAX_CALLERS = 100_000
"""Buckets kept at once; full (idle) ones are dropped first when there are more."""


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets of `per_minute` cost each, refilled continuously; 0 turns limiting off."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        """Whether any limit applies."""
        return self.per_minute > 0

    def take(self, caller: str, cost: int) -> float:
        """Charge `cost` to the caller: 0.0 when allowed, else the seconds until it would be."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        bucket = self._refilled(caller, now)
        if cost <= bucket.tokens:
            bucket.tokens -= cost
            return 0.0
        if cost > self.per_minute:  # never affordable: wait for a full window
            return WINDOW_SECONDS
        return (cost - bucket.tokens) * WINDOW_SECONDS / self.per_minute

    def _refilled(self, caller: str, now: float) -> _Bucket:
        bucket = self.buckets.get(caller)
        if bucket is None:
            if len(self.buckets) >= MAX_CALLERS:
                self._forget_idle(now)
            bucket = self.buckets[caller] = _Bucket(float(self.per_minute), now)
            return bucket
        rate = self.per_minute / WINDOW_SECONDS
        bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        return bucket

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, b in self.buckets.items() if now - b.stamp >= WINDOW_SECONDS]
        for key in idle or list(self.buckets)[: len(self.buckets) // 2]:
            del self.buckets[key]


def caller_key(headers: Any, client_host: str | None, token_accepted: bool = True) -> str:
    """Who pays: sha256 of an accepted bearer token, else the client address (made-up tokens buy no budget)."""
    authorization = str(headers.get("authorization") or "")
    scheme, _, token = authorization.partition(" ")
    if token_accepted and scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return f"addr:{client_host or 'unknown'}"


def rate_limited(retry_after: float, cost: int, per_minute: int) -> GraphQLError:
    """RATE_LIMITED with the whole seconds to wait."""
    seconds = max(1, math.ceil(retry_after))
    return GraphQLError(
        f"Rate limit exceeded: this query costs {cost} of a budget of {per_minute} per minute; "
        f"retry in {seconds} s.",
        extensions={"code": Code.RATE_LIMITED.value, "retryAfter": seconds, "cost": cost, "limit": per_minute},
    )


def charge(context: Any, cost: int) -> GraphQLError | None:
    """Charge a request's cost to its caller's budget; RATE_LIMITED (and HTTP 429, Retry-After) past it."""
    request = getattr(context, "request", None)
    limiter = getattr(getattr(getattr(request, "app", None), "state", None), "rate_limiter", None)
    if request is None or not isinstance(limiter, RateLimiter) or not limiter.enabled:
        return None
    client = request.client.host if request.client else None
    accepted = getattr(context, "token_error", None) is None
    wait = limiter.take(caller_key(request.headers, client, accepted), cost)
    if wait <= 0:
        return None
    error = rate_limited(wait, cost, limiter.per_minute)
    response = getattr(context, "response", None)
    if response is not None:
        response.status_code = 429
        response.headers["Retry-After"] = str(error.extensions["retryAfter"])  # type: ignore[index]
    return error
