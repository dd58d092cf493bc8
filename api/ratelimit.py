"""Rate limits: a budget of query cost per caller per minute, told to the client with every response.

Where the buckets live: in Redis when TUNEGRAPH_REDIS_URL is set (one budget across hosts), else in a
file the workers of the host map into memory when TUNEGRAPH_WORKERS > 1, else in the process. A store
that fails is skipped for RETRY_SECONDS in favour of the next one, down to the process's own buckets:
a caller is then limited per host (or per worker) for a while, never refused for our outage nor let
through unmetered, which failing open would do for anyone who noticed.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from graphql import GraphQLError
from redis import RedisError
from strawberry.extensions import SchemaExtension

from api.buckets import MemoryBuckets, Quota, SharedBuckets
from api.context import Context
from api.errors import Code
from api.redis_buckets import RedisBuckets
from settings import Settings

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0
"""How long a failed store is left alone before a charge tries it again."""
MAX_FACTOR = 10
"""A token's `rateLimit` claim may raise its budget up to this many times the base, unless configured."""
SHARED_FILE = "ratelimit.buckets"


class RateLimiter:
    """Token buckets of `per_minute` cost each, refilled continuously; 0 turns limiting off."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.time,
        *,
        max_per_minute: int | None = None,
        shared: SharedBuckets | None = None,
        remote: RedisBuckets | None = None,
    ) -> None:
        self.per_minute = per_minute
        cap = max_per_minute if max_per_minute is not None else MAX_FACTOR * per_minute
        self.max_per_minute = max(cap, per_minute)  # a cap below the base would only punish claims
        self.clock = clock
        self.memory = MemoryBuckets()
        self.shared = shared
        self.remote = remote
        self.down_until: dict[str, float] = {}

    @property
    def enabled(self) -> bool:
        """Whether any limit applies."""
        return self.per_minute > 0

    def limit_for(self, claimed: int | None) -> int:
        """A caller's budget: its token's claim, capped at `max_per_minute`, else the base."""
        return self.per_minute if claimed is None else min(claimed, self.max_per_minute)

    def take(self, caller: str, cost: int) -> float:
        """Charge `cost` to the caller on this host: 0.0 when allowed, else the seconds until it would be."""
        if not self.enabled:
            return 0.0
        return self.take_here(caller, cost, self.per_minute).retry_after

    def take_here(self, caller: str, cost: int, limit: int) -> Quota:
        """Charge on the host's shared buckets while they answer, else on this process's."""
        now = self.clock()
        if self.shared is not None and self._usable("shared"):
            try:
                return self._answered("shared", self.shared.take(caller, cost, limit, now))
            except (OSError, ValueError) as exc:  # ValueError: the map is closed
                self._failed("shared", f"the buckets file {self.shared.path}", exc)
        return self.memory.take(caller, cost, limit, now)

    async def charge(self, caller: str, cost: int, limit: int) -> Quota:
        """Charge on Redis while it answers, else on this host."""
        if self.remote is not None and self._usable("remote"):
            try:
                return self._answered("remote", await self.remote.take(caller, cost, limit))
            except (RedisError, OSError) as exc:
                self._failed("remote", "Redis", exc)
        return self.take_here(caller, cost, limit)

    async def close(self) -> None:
        """Close the stores' connections."""
        if self.remote is not None:
            await self.remote.close()
        if self.shared is not None:
            self.shared.close()

    def _usable(self, store: str) -> bool:
        return time.monotonic() >= self.down_until.get(store, 0.0)

    def _answered(self, store: str, quota: Quota) -> Quota:
        if self.down_until.pop(store, None) is not None:
            log.info("rate limits: the %s store answers again; budgets are kept there again", store)
        return quota

    def _failed(self, store: str, what: str, exc: Exception) -> None:
        self.down_until[store] = time.monotonic() + RETRY_SECONDS
        log.warning("rate limits: %s failed (%s: %s); charging this host's buckets for %.0f s",
                    what, type(exc).__name__, exc, RETRY_SECONDS)


def share_buckets(settings: Settings) -> None:
    """Start the host's shared buckets afresh: called once by `serve`, before its workers start."""
    SharedBuckets.remove(settings.data_dir / SHARED_FILE)


def rate_limiter(settings: Settings) -> RateLimiter:
    """The limiter `settings` ask for: Redis-backed, shared by the host's workers, or this process's."""
    if settings.rate_limit <= 0:
        return RateLimiter(0)
    shared = None
    if settings.workers > 1:
        try:
            shared = SharedBuckets(settings.data_dir / SHARED_FILE)
        except (OSError, ValueError) as exc:
            log.warning("rate limits: cannot open %s (%s); each worker keeps its own budgets",
                        settings.data_dir / SHARED_FILE, exc)
    remote = RedisBuckets(settings.redis_url) if settings.redis_url else None
    return RateLimiter(settings.rate_limit, max_per_minute=settings.rate_limit_max, shared=shared, remote=remote)


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


def charge(context: Any, cost: int) -> None:
    """Put a valid operation's measured cost on its request; RateLimit charges it before execution."""
    if isinstance(context, Context):
        context.cost = cost


def cost_report(quota: Quota) -> dict[str, int]:
    """`extensions.cost`: what this request cost and what is left of the budget."""
    return {
        "requested": quota.cost,
        "limit": quota.limit,
        "remaining": math.floor(quota.tokens),
        "resetSeconds": math.ceil(quota.reset_seconds),
    }


class RateLimit(SchemaExtension):
    """Charge the cost QueryLimits measured before execution (RATE_LIMITED and HTTP 429 past the budget),
    and tell the client its budget: `extensions.cost` and the RateLimit-* headers (IETF draft)."""

    quota: Quota | None = None

    async def on_validate(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        context = ctx.context
        if isinstance(context, Context) and context.cost is not None and not ctx.pre_execution_errors:
            self.quota = await _charge(context, context.cost)
            if self.quota is not None and not self.quota.granted:
                ctx.pre_execution_errors = [_refuse(context, self.quota)]
        yield

    async def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, Context):
            return {}
        quota = self.quota or await _charge(context, 0)  # refused before measuring: nothing spent
        if quota is None:
            return {}
        _tell_headers(context, quota)
        if _publicly_cacheable(context):
            return {}
        return {"cost": cost_report(quota)}


async def _charge(context: Context, cost: int) -> Quota | None:
    limiter = context.services.rate_limiter
    if not limiter.enabled:
        return None
    request = context.request
    client = request.client.host if request.client else None
    caller = caller_key(request.headers, client, context.token_error is None)
    claimed = context.viewer.rate_limit if context.viewer is not None else None
    return await limiter.charge(caller, cost, limiter.limit_for(claimed))


def _refuse(context: Context, quota: Quota) -> GraphQLError:
    error = rate_limited(quota.retry_after, quota.cost, quota.limit)
    if context.response is not None:
        context.response.status_code = 429
        context.response.headers["Retry-After"] = str(error.extensions["retryAfter"])  # type: ignore[index]
    return error


def quota_headers(quota: Quota) -> dict[str, str]:
    """The RateLimit-* headers (IETF draft) telling a caller its budget after a charge."""
    return {
        "RateLimit-Limit": str(quota.limit),
        "RateLimit-Remaining": str(math.floor(quota.tokens)),
        "RateLimit-Reset": str(math.ceil(quota.reset_seconds)),
    }


def _tell_headers(context: Context, quota: Quota) -> None:
    if context.response is not None:
        context.response.headers.update(quota_headers(quota))


def _publicly_cacheable(context: Context) -> bool:
    """An anonymous GET, which api/caching.py serves public with an ETag of its exact body: the body must
    not carry this caller's budget (it would change every ETag and go to other callers); the headers do."""
    request = context.request
    return request.scope.get("method") == "GET" and "authorization" not in request.headers
