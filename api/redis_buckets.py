"""Token buckets of query cost in Redis, shared by every host: one atomic Lua script per charge."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from api.buckets import WINDOW_SECONDS, Quota

KEY_PREFIX = "tunegraph:ratelimit:"
TIMEOUT_SECONDS = 0.25
"""Connect and answer timeouts: a Redis that hangs costs a request at most this before it falls back."""

# The clock is Redis's own (TIME), so hosts whose clocks disagree still share one bucket; scripts may
# write after TIME since Redis 5 (effects replication). The key expires once the bucket would be full
# again: a missing key is a full bucket, so Redis holds only buckets in use.
TAKE = """
local cost, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens, stamp = tonumber(state[1]), tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = limit
else
  tokens = math.min(limit, tokens + math.max(0, now - stamp) * limit / window)
end
local granted = 0
if cost <= tokens then
  tokens = tokens - cost
  granted = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((limit - tokens) * window * 1000 / limit) + 1000)
return {granted, tostring(tokens)}
"""


class RedisBuckets:
    """Buckets in Redis (TUNEGRAPH_REDIS_URL); a charge raises redis.RedisError or OSError when Redis fails."""

    def __init__(self, url: str) -> None:
        # No retries here: the limiter falls back to this host's buckets at once instead.
        self.client: Redis = Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0)
        )
        self.script = self.client.register_script(TAKE)  # EVALSHA, loading the script again after a NOSCRIPT

    async def take(self, key: str, cost: int, limit: int) -> Quota:
        """Charge `cost` to `key`'s bucket if it holds that much."""
        reply: Any = await self.script(keys=[KEY_PREFIX + key], args=[cost, limit, WINDOW_SECONDS])
        granted, tokens = reply
        return Quota(bool(granted), cost, limit, float(tokens))

    async def close(self) -> None:
        """Close the connections."""
        await self.client.aclose()
