"""Redis counter store: every gateway node sees the same counts.

Layout (``{...}`` is a Redis Cluster hash tag, so one sender's keys share a slot
and one Lua script may touch them all)::

    PREFIX{SENDER}:msgs        sorted set  message id -> time sent
    PREFIX{SENDER}:rcpts       sorted set  recipient hash -> last time sent to
    PREFIX{SENDER}:fp:BAND     sorted set  recipient hash -> last time sent to,
                                           one per fingerprint band key

SENDER and recipients are keyed hashes (`IdentityHasher`), never addresses.
Sorted sets give exact distinct counts, which matter at small thresholds.
Each update is one Lua script, so it is atomic; each key expires one window
after its last update. Needs Redis 6.2 or newer (``ZADD GT``).

Connection errors and timeouts become `CounterStoreUnavailableError`; any other
Redis error (a wrong password, a read-only replica) is a configuration fault
and propagates.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from aduana.state.counters import (
    CounterStoreUnavailableError,
    IdentityHasher,
    SendCounts,
    WindowCount,
    ttl_seconds,
    validate_windows,
)
from aduana.state.fingerprint import Fingerprint

_RECORD_SEND = """
-- KEYS: message times, recipients last seen
-- ARGV: now, expired cutoff, ttl, message id, max events, window count N,
--       N window cutoffs, recipient hashes...
local now = ARGV[1]
local windows = tonumber(ARGV[6])
redis.call('ZADD', KEYS[1], now, ARGV[4])
for i = 7 + windows, #ARGV do
  redis.call('ZADD', KEYS[2], 'GT', now, ARGV[i])
end
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[2])
  redis.call('EXPIRE', key, ARGV[3])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[5]))
local counts = {}
for i = 1, windows do
  local cutoff = '(' .. ARGV[6 + i]
  counts[#counts + 1] = redis.call('ZCOUNT', KEYS[1], cutoff, '+inf')
  counts[#counts + 1] = redis.call('ZCOUNT', KEYS[2], cutoff, '+inf')
end
return counts
"""

_RECORD_FINGERPRINT = """
-- KEYS: one per band key of the fingerprint
-- ARGV: now, expired cutoff, ttl, recipient hashes...
local reached = {}
local count = 0
for _, key in ipairs(KEYS) do
  for i = 4, #ARGV do
    redis.call('ZADD', key, 'GT', ARGV[1], ARGV[i])
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[2])
  redis.call('EXPIRE', key, ARGV[3])
  for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    if not reached[member] then
      reached[member] = true
      count = count + 1
    end
  end
end
return count
"""


def connect(url: str, *, timeout: float = 0.2, password: str | None = None) -> redis.Redis:
    """A client that fails fast: short timeouts, no retries (the failover store retries)."""
    return redis.Redis.from_url(
        url,
        password=password,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


class RedisCounterStore:
    """`CounterStore` shared by every node that points at the same Redis and prefix."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        key_prefix: str = "aduana:",
        hasher: IdentityHasher | None = None,
        max_events_per_sender: int = 100_000,
    ) -> None:
        self._client = client
        self._prefix = key_prefix
        self._hash = hasher or IdentityHasher()
        self._max_events = max_events_per_sender
        self._record_send = client.register_script(_RECORD_SEND)
        self._record_fingerprint = client.register_script(_RECORD_FINGERPRINT)

    def record_send(
        self,
        sender_key: str,
        recipients: Sequence[str],
        now: float,
        windows: Sequence[int],
    ) -> SendCounts:
        windows = validate_windows(windows)
        retention = max(windows)
        sender = self._sender_prefix(sender_key)
        args: list[str | int] = [
            repr(float(now)),
            repr(float(now - retention)),
            ttl_seconds(retention),
            f"{now!r}:{secrets.token_hex(8)}",
            self._max_events,
            len(windows),
            *(repr(float(now - w)) for w in windows),
            *(self._hash(r) for r in recipients),
        ]
        raw = self._run(self._record_send, [f"{sender}:msgs", f"{sender}:rcpts"], args)
        return SendCounts(
            windows=tuple(
                WindowCount(
                    window=w, messages=int(raw[2 * i]), distinct_recipients=int(raw[2 * i + 1])
                )
                for i, w in enumerate(windows)
            )
        )

    def record_fingerprint(
        self,
        sender_key: str,
        fingerprint: Fingerprint,
        recipients: Sequence[str],
        now: float,
        window: int,
    ) -> int:
        (window,) = validate_windows([window])
        sender = self._sender_prefix(sender_key)
        keys = [f"{sender}:fp:{band}" for band in fingerprint.band_keys]
        args: list[str | int] = [
            repr(float(now)),
            repr(float(now - window)),
            ttl_seconds(window),
            *(self._hash(r) for r in recipients),
        ]
        return int(self._run(self._record_fingerprint, keys, args))

    def _sender_prefix(self, sender_key: str) -> str:
        return f"{self._prefix}{{{self._hash(sender_key)}}}"

    def _run(self, script: Any, keys: list[str], args: list[str | int]) -> Any:
        try:
            return script(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise CounterStoreUnavailableError(f"redis: {error}") from error
