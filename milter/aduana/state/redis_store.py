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
--       commit (1 stores the message, 0 only counts it), N window cutoffs,
--       distinct recipient hashes...
local now = ARGV[1]
local windows = tonumber(ARGV[6])
local commit = ARGV[7] == '1'
local first = 8 + windows
if commit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  for i = first, #ARGV do
    redis.call('ZADD', KEYS[2], 'GT', now, ARGV[i])
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[2])
  if commit then
    redis.call('EXPIRE', key, ARGV[3])
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[5]))
local counts = {}
for i = 1, windows do
  local cutoff = tonumber(ARGV[7 + i])
  local messages = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[7 + i], '+inf')
  local recipients = redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[7 + i], '+inf')
  if not commit then
    messages = messages + 1
    for j = first, #ARGV do
      local seen = redis.call('ZSCORE', KEYS[2], ARGV[j])
      if not seen or tonumber(seen) <= cutoff then
        recipients = recipients + 1
      end
    end
  end
  counts[#counts + 1] = messages
  counts[#counts + 1] = recipients
end
return counts
"""

_RECORD_FINGERPRINT = """
-- KEYS: one per band key of the fingerprint
-- ARGV: now, expired cutoff, ttl, commit (1 stores, 0 only counts), recipient hashes...
local reached = {}
local count = 0
local commit = ARGV[4] == '1'
for i = 5, #ARGV do
  if not reached[ARGV[i]] then
    reached[ARGV[i]] = true
    count = count + 1
  end
end
for _, key in ipairs(KEYS) do
  if commit then
    for i = 5, #ARGV do
      redis.call('ZADD', key, 'GT', ARGV[1], ARGV[i])
    end
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[2])
  if commit then
    redis.call('EXPIRE', key, ARGV[3])
  end
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
        *,
        commit: bool = True,
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
            1 if commit else 0,
            *(repr(float(now - w)) for w in windows),
            *dict.fromkeys(self._hash(r) for r in recipients),
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
        *,
        commit: bool = True,
    ) -> int:
        (window,) = validate_windows([window])
        sender = self._sender_prefix(sender_key)
        keys = [f"{sender}:fp:{band}" for band in fingerprint.band_keys]
        args: list[str | int] = [
            repr(float(now)),
            repr(float(now - window)),
            ttl_seconds(window),
            1 if commit else 0,
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
